//! Where a run's CPU went: PostgreSQL's processes against this benchmark's own process (the
//! server and its load-generating clients), read from `/proc`. A write's cost in PostgreSQL
//! beside a raw insert's says how far the 2 cores allow the write path to approach the
//! insert pace.

use std::time::Duration;

/// Cumulative CPU seconds at one moment.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    postgres: f64,
    this_process: f64,
}

/// CPU spent between two samples.
#[derive(Debug, Clone, Copy)]
pub struct CpuSpent {
    pub postgres: Duration,
    pub this_process: Duration,
}

impl CpuSample {
    pub fn now() -> Self {
        let tick = clock_ticks_per_second();
        let mut postgres = 0;
        for entry in std::fs::read_dir("/proc").expect("/proc is readable").flatten() {
            let Some(fields) = stat_fields(&entry.path().join("stat")) else {
                continue;
            };
            if fields.command != "postgres" {
                continue;
            }
            postgres += fields.utime + fields.stime;
            // The postmaster has reaped the backends that ended (pgbench's, a pool's):
            // their time is in its children's counters.
            if fields.parent_is_not_postgres {
                postgres += fields.cutime + fields.cstime;
            }
        }
        let own = stat_fields(std::path::Path::new("/proc/self/stat")).expect("own stat");
        Self {
            postgres: postgres as f64 / tick,
            this_process: (own.utime + own.stime) as f64 / tick,
        }
    }

    pub fn since(self, earlier: Self) -> CpuSpent {
        CpuSpent {
            postgres: Duration::from_secs_f64((self.postgres - earlier.postgres).max(0.0)),
            this_process: Duration::from_secs_f64((self.this_process - earlier.this_process).max(0.0)),
        }
    }
}

/// CPU seconds (user and system) process `pid` has used so far.
#[allow(dead_code)] // used by the sales ingest bench, not by scale
pub fn process_seconds(pid: u32) -> f64 {
    stat_fields(std::path::Path::new(&format!("/proc/{pid}/stat")))
        .map_or(f64::NAN, |f| (f.utime + f.stime) as f64 / clock_ticks_per_second())
}

struct StatFields {
    command: String,
    parent_is_not_postgres: bool,
    utime: u64,
    stime: u64,
    cutime: u64,
    cstime: u64,
}

fn stat_fields(path: &std::path::Path) -> Option<StatFields> {
    let text = std::fs::read_to_string(path).ok()?;
    // `pid (comm) state ppid …`: the command may hold spaces, so split after its last ')'.
    let open = text.find('(')?;
    let close = text.rfind(')')?;
    let command = text[open + 1..close].to_owned();
    let rest: Vec<&str> = text[close + 2..].split_whitespace().collect();
    let number = |i: usize| rest.get(i).and_then(|v| v.parse::<u64>().ok());
    // Fields after the command, counted from 0: state, ppid, … utime = 11, stime = 12,
    // cutime = 13, cstime = 14 (proc(5) numbers them 14–17).
    let parent = number(1)?;
    let parent_command = std::fs::read_to_string(format!("/proc/{parent}/comm")).unwrap_or_default();
    Some(StatFields {
        parent_is_not_postgres: parent_command.trim() != "postgres",
        command,
        utime: number(11)?,
        stime: number(12)?,
        cutime: number(13)?,
        cstime: number(14)?,
    })
}

fn clock_ticks_per_second() -> f64 {
    let output = std::process::Command::new("getconf").arg("CLK_TCK").output();
    output
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
