#!/usr/bin/env python3
"""GoMarket's own rules for its deployment files, beyond what the schemas check.

    target/deploy-tools/bin/python scripts/deploy-rules.py RENDERED.yaml... \
        [--compose deploy/docker-compose.yml] [--dockerfile deploy/Dockerfile]

RENDERED are `kubectl kustomize` outputs (one overlay each). The Dockerfile's dependency layer
is checked against the workspace (every member's manifest copied and stubbed, build scripts and
declared bench targets present), since no Docker engine is here to build it.
Prints one line per violation and exits 1 if there is any; prints a summary otherwise.
scripts/check-deploy runs it.
"""

from __future__ import annotations

import os
import re
import sys

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# Roles the platform runs apart, and whether each serves HTTP on 8080 (else ops on 9090).
ROLES = {
    "command-api": True,
    "query-api": True,
    "gateway": True,
    "relay": False,
    "projector": False,
    "scheduler": False,
    "worker": False,
    "ingest": False,
}
# Leader-elected roles: one leader, at least one hot standby.
LEADER_ELECTED = {"relay", "scheduler"}
# Roles sized by a HorizontalPodAutoscaler.
AUTOSCALED = {"query-api", "projector"}
SECRET_NAME = "gomarket-secrets"
CONFIG_NAME = "gomarket-config"
SECRET_LOOKING = re.compile(r"(PASSWORD|SECRET|_KEY|KEYS|TOKEN|DATABASE_URL)")
GRACE_SECONDS = 60
PRESTOP_SLEEP_SECONDS = 5


def is_gomarket_image(image: str | None) -> bool:
    if not image:
        return False
    last = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return last.split(":", 1)[0] == "gomarket"


def parse_quantity_cpu(value) -> float:
    text = str(value)
    return float(text[:-1]) / 1000 if text.endswith("m") else float(text)


class Checker:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.notes: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    # --- Kubernetes -----------------------------------------------------------------------

    def kubernetes(self, path: str) -> None:
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d]
        by_kind: dict[str, list[dict]] = {}
        for d in docs:
            by_kind.setdefault(d["kind"], []).append(d)

        configmaps = {c["metadata"]["name"]: c.get("data") or {} for c in by_kind.get("ConfigMap", [])}
        for name, data in configmaps.items():
            for key in data:
                if SECRET_LOOKING.search(key):
                    self.fail(f"{rel}: ConfigMap/{name}", f"{key} looks secret: it belongs in {SECRET_NAME}")
        for secret in by_kind.get("Secret", []):
            if secret["metadata"]["name"] == SECRET_NAME:
                self.fail(f"{rel}: Secret/{SECRET_NAME}", "must not be rendered (it is created out of band)")

        deployments = {d["metadata"]["name"]: d for d in by_kind.get("Deployment", [])}
        services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
        pdbs = by_kind.get("PodDisruptionBudget", [])
        hpas = {
            h["spec"]["scaleTargetRef"]["name"]: h
            for h in by_kind.get("HorizontalPodAutoscaler", [])
            if h["spec"]["scaleTargetRef"].get("kind") == "Deployment"
        }

        roles: dict[str, str] = {}  # role -> Deployment name
        gateway: tuple[str, dict] | None = None
        partitions_by_deployment: dict[str, int] = {}
        for name, dep in deployments.items():
            where = f"{rel}: Deployment/{name}"
            pod = dep["spec"]["template"]["spec"]
            containers = [c for c in pod.get("containers", []) if is_gomarket_image(c.get("image"))]
            if len(containers) != 1:
                self.fail(where, f"expected one gomarket container, found {len(containers)}")
                continue
            c = containers[0]
            args = c.get("args") or []
            role = args[0] if args else None
            if c.get("command"):
                self.fail(where, "sets `command`: the image's ENTRYPOINT is gomarket, give the role in `args`")
            if role not in ROLES:
                self.fail(where, f"args {args} do not start with a role ({', '.join(ROLES)})")
                continue
            if role in roles:
                self.fail(where, f"role {role} also runs in Deployment/{roles[role]}")
            roles[role] = name
            http = ROLES[role]
            self.pod_rules(where, pod, c, role, http)
            partitions = self.env_from_rules(where, c, configmaps)
            if partitions is not None:
                partitions_by_deployment[name] = partitions

            # Replicas, HPAs, PDBs.
            replicas = dep["spec"].get("replicas")
            if role in AUTOSCALED:
                if name not in hpas:
                    self.fail(where, "has no HorizontalPodAutoscaler")
                elif replicas is not None:
                    self.fail(where, f"sets replicas ({replicas}) although an HPA owns them")
            elif replicas is None:
                self.fail(where, "sets no replicas")
            if role in LEADER_ELECTED and (replicas or 1) < 2:
                self.fail(where, f"runs {replicas or 1} replica(s): a leader-elected role needs a standby")
            labels = dep["spec"]["template"]["metadata"].get("labels") or {}
            selector = (dep["spec"].get("selector") or {}).get("matchLabels") or {}
            if not selector or any(labels.get(k) != v for k, v in selector.items()):
                self.fail(where, "selector does not match its pod template labels")
            multi = (replicas or 1) > 1 or name in hpas
            covering = [p for p in pdbs if self.selects(p["spec"].get("selector"), labels)]
            if multi and not covering:
                self.fail(where, "runs several replicas but no PodDisruptionBudget selects its pods")
            for p in covering:
                if p["spec"].get("minAvailable") not in (None, 0) and (replicas or 1) <= 1 and name not in hpas:
                    self.fail(f"{rel}: PodDisruptionBudget/{p['metadata']['name']}", "minAvailable on a single replica blocks node drains")

            # HTTP roles have a Service targeting the http port.
            if http:
                svc = [s for s in services.values() if self.selects({"matchLabels": s["spec"].get("selector") or {}}, labels)]
                if not svc:
                    self.fail(where, "no Service selects its pods")
                for s in svc:
                    for port in s["spec"].get("ports", []):
                        if port.get("targetPort") not in ("http", 8080):
                            self.fail(f"{rel}: Service/{s['metadata']['name']}", "must target port http (8080)")

            if role == "gateway":
                gateway = (where, c)

        missing = sorted(set(ROLES) - set(roles))
        if missing:
            self.fail(rel, f"no Deployment runs {', '.join(missing)}")

        # The gateway's upstreams are this build's Services of the two API sides.
        if gateway:
            where, c = gateway
            env = {e["name"]: e.get("value") for e in c.get("env") or []}
            for var, side in (("GOMARKET_COMMAND_API_URL", "command-api"), ("GOMARKET_QUERY_API_URL", "query-api")):
                url = env.get(var) or ""
                m = re.fullmatch(r"http://([a-z0-9-]+)(?:\.[a-z0-9.-]+)?:(\d+)", url)
                target = services.get(m.group(1)) if m else None
                side_dep = deployments.get(roles.get(side, ""))
                if not m:
                    self.fail(where, f"{var}={url!r} is not http://<service>:<port>")
                elif target is None:
                    self.fail(where, f"{var} names Service {m.group(1)}, which this build does not have")
                elif int(m.group(2)) not in [p.get("port") for p in target["spec"].get("ports", [])]:
                    self.fail(where, f"{var}: Service {m.group(1)} has no port {m.group(2)}")
                elif side_dep is None or not self.selects(
                    {"matchLabels": target["spec"].get("selector") or {}},
                    side_dep["spec"]["template"]["metadata"].get("labels") or {},
                ):
                    self.fail(where, f"{var} points at Service {m.group(1)}, which does not select the {side} pods")

        # The migration Job.
        jobs = [j for j in by_kind.get("Job", []) if any(
            is_gomarket_image(c.get("image")) and (c.get("args") or [None])[0] == "migrate"
            for c in j["spec"]["template"]["spec"].get("containers", []))]
        if len(jobs) != 1:
            self.fail(rel, f"expected one Job running `gomarket migrate`, found {len(jobs)}")
        for job in jobs:
            where = f"{rel}: Job/{job['metadata']['name']}"
            pod = job["spec"]["template"]["spec"]
            c = [c for c in pod["containers"] if is_gomarket_image(c.get("image"))][0]
            if pod.get("restartPolicy") not in ("Never", "OnFailure"):
                self.fail(where, "restartPolicy must be Never or OnFailure")
            if job["spec"].get("backoffLimit") is None:
                self.fail(where, "sets no backoffLimit")
            self.security_rules(where, pod, c)
            self.resources_rules(where, c)
            self.env_from_rules(where, c, configmaps)

        # HPAs: the two autoscaled roles, within the partitions for the projector.
        for role in AUTOSCALED:
            dep_name = roles.get(role)
            if dep_name and dep_name in hpas:
                hpa = hpas[dep_name]
                where = f"{rel}: HorizontalPodAutoscaler/{hpa['metadata']['name']}"
                lo, hi = hpa["spec"].get("minReplicas", 1), hpa["spec"]["maxReplicas"]
                if lo > hi:
                    self.fail(where, f"minReplicas {lo} > maxReplicas {hi}")
                if not any(m.get("type") == "Resource" and m["resource"]["name"] == "cpu" for m in hpa["spec"].get("metrics", [])):
                    self.fail(where, "does not scale on CPU")
                if role == "projector":
                    partitions = partitions_by_deployment.get(dep_name)
                    if partitions is None:
                        self.fail(where, "cannot find GOMARKET_KAFKA_PARTITIONS in the projector's ConfigMap")
                    elif hi > partitions:
                        self.fail(where, f"maxReplicas {hi} > GOMARKET_KAFKA_PARTITIONS {partitions}: the extra projectors would sit idle")
                    else:
                        self.notes.append(f"{rel}: projector HPA {lo}-{hi} within {partitions} partitions")
        for target, hpa in hpas.items():
            if target not in deployments:
                self.fail(f"{rel}: HorizontalPodAutoscaler/{hpa['metadata']['name']}", f"targets missing Deployment {target}")

        # Ingresses point at the gateway's Service.
        for ing in by_kind.get("Ingress", []):
            where = f"{rel}: Ingress/{ing['metadata']['name']}"
            for rule in ing["spec"].get("rules", []):
                for p in (rule.get("http") or {}).get("paths", []):
                    backend = p["backend"]["service"]["name"]
                    if backend != roles.get("gateway") or backend not in services:
                        self.fail(where, f"routes to {backend}, not the gateway's Service")

        counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(by_kind.items()))
        self.notes.append(f"{rel}: {len(docs)} objects ({counts})")

    @staticmethod
    def selects(selector: dict | None, labels: dict) -> bool:
        match = (selector or {}).get("matchLabels") or {}
        return bool(match) and all(labels.get(k) == v for k, v in match.items())

    def pod_rules(self, where: str, pod: dict, c: dict, role: str, http: bool) -> None:
        port_name, port, listen_var = ("http", 8080, "GOMARKET_LISTEN") if http else ("ops", 9090, "GOMARKET_OPS_LISTEN")
        env = {e["name"]: e.get("value") for e in c.get("env") or []}
        if env.get(listen_var) != f"0.0.0.0:{port}":
            self.fail(where, f"must set {listen_var}=0.0.0.0:{port}")
        ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
        if ports.get(port_name) != port:
            self.fail(where, f"must declare container port {port_name}={port}")
        for probe_name, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            probe = c.get(probe_name) or {}
            get = probe.get("httpGet") or {}
            if get.get("path") != path or get.get("port") not in (port_name, port):
                self.fail(where, f"{probe_name} must be httpGet {path} on port {port_name}")
        startup = (c.get("startupProbe") or {}).get("httpGet") or {}
        if startup and (startup.get("path") != "/healthz" or startup.get("port") not in (port_name, port)):
            self.fail(where, f"startupProbe must be httpGet /healthz on port {port_name}")
        if pod.get("terminationGracePeriodSeconds") != GRACE_SECONDS:
            self.fail(where, f"terminationGracePeriodSeconds must be {GRACE_SECONDS}")
        sleep = (((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}).get("seconds")
        if http and sleep != PRESTOP_SLEEP_SECONDS:
            self.fail(where, f"an HTTP role needs lifecycle.preStop.sleep.seconds={PRESTOP_SLEEP_SECONDS}")
        if pod.get("enableServiceLinks") is not False:
            self.fail(where, "enableServiceLinks must be false (Service variables named GOMARKET_* would reach the role)")
        self.security_rules(where, pod, c)
        self.resources_rules(where, c)

    def security_rules(self, where: str, pod: dict, c: dict) -> None:
        psc, csc = pod.get("securityContext") or {}, c.get("securityContext") or {}

        def either(key):
            return csc.get(key, psc.get(key))

        if either("runAsNonRoot") is not True:
            self.fail(where, "runAsNonRoot must be true")
        if either("runAsUser") != 10001:
            self.fail(where, "runAsUser must be 10001 (the image's user)")
        if csc.get("readOnlyRootFilesystem") is not True:
            self.fail(where, "readOnlyRootFilesystem must be true")
        if csc.get("allowPrivilegeEscalation") is not False:
            self.fail(where, "allowPrivilegeEscalation must be false")
        if (csc.get("capabilities") or {}).get("drop") != ["ALL"]:
            self.fail(where, "capabilities must drop ALL")
        if (either("seccompProfile") or {}).get("type") != "RuntimeDefault":
            self.fail(where, "seccompProfile must be RuntimeDefault")
        mounts = {m["mountPath"] for m in c.get("volumeMounts") or []}
        if "/tmp" not in mounts:
            self.fail(where, "needs a writable /tmp (the root filesystem is read-only)")

    def resources_rules(self, where: str, c: dict) -> None:
        res = c.get("resources") or {}
        for kind in ("requests", "limits"):
            for name in ("cpu", "memory"):
                if name not in (res.get(kind) or {}):
                    self.fail(where, f"resources.{kind}.{name} is not set")
        try:
            if parse_quantity_cpu(res["requests"]["cpu"]) > parse_quantity_cpu(res["limits"]["cpu"]):
                self.fail(where, "cpu request above its limit")
        except (KeyError, TypeError, ValueError):
            pass

    def env_from_rules(self, where: str, c: dict, configmaps: dict) -> int | None:
        sources = c.get("envFrom") or []
        cms = [s["configMapRef"]["name"] for s in sources if "configMapRef" in s]
        secrets = [s["secretRef"]["name"] for s in sources if "secretRef" in s]
        # The development overlay generates the Secret, whose name then carries a hash suffix.
        if len(secrets) != 1 or not (secrets[0] == SECRET_NAME or secrets[0].startswith(SECRET_NAME + "-")):
            self.fail(where, f"envFrom must include secretRef {SECRET_NAME}")
        cm = next((n for n in cms if n == CONFIG_NAME or n.startswith(CONFIG_NAME + "-")), None)
        if cm is None:
            self.fail(where, f"envFrom must include configMapRef {CONFIG_NAME}")
            return None
        if cm not in configmaps:
            self.fail(where, f"envFrom names ConfigMap {cm}, which this build does not have")
            return None
        for e in c.get("env") or []:
            if SECRET_LOOKING.search(e["name"]) and "value" in e:
                self.fail(where, f"{e['name']} is set literally: it belongs in {SECRET_NAME}")
        raw = configmaps[cm].get("GOMARKET_KAFKA_PARTITIONS")
        return int(raw) if raw is not None else 6  # the binary's default

    # --- Compose --------------------------------------------------------------------------

    def compose(self, path: str) -> None:
        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            project = yaml.safe_load(f) or {}
        services = project.get("services") or {}
        gomarket = {n: s for n, s in services.items() if is_gomarket_image(s.get("image")) or s.get("build")}
        builders = [n for n, s in gomarket.items() if s.get("build")]
        if len(builders) != 1:
            self.fail(rel, f"exactly one service should build the image, found {builders}")
        images = {s.get("image") for s in gomarket.values()}
        if len(images) != 1:
            self.fail(rel, f"every GoMarket service should run the same image, found {sorted(map(str, images))}")
        roles: dict[str, str] = {}
        for name, s in gomarket.items():
            where = f"{rel}: services.{name}"
            command = s.get("command") or []
            role = command[0] if command else None
            roles[role] = name
            env = s.get("environment") or {}
            if not isinstance(env, dict):
                self.fail(where, "environment should be a mapping")
                env = {}
            if role == "migrate":
                if s.get("restart") not in ("no", None):
                    self.fail(where, "a one-shot service must not restart")
                continue
            if role not in ROLES:
                self.fail(where, f"command {command} does not start with a role")
                continue
            if s.get("stop_grace_period") != f"{GRACE_SECONDS}s":
                self.fail(where, f"stop_grace_period must be {GRACE_SECONDS}s")
            test = (s.get("healthcheck") or {}).get("test") or []
            if list(test) != ["CMD", "gomarket", "healthcheck"]:
                self.fail(where, "healthcheck must be [CMD, gomarket, healthcheck]")
            deps = s.get("depends_on") or {}
            if (deps.get("migrate") or {}).get("condition") != "service_completed_successfully":
                self.fail(where, "must depend on migrate completing successfully")
            listen_var, port = ("GOMARKET_LISTEN", 8080) if ROLES[role] else ("GOMARKET_OPS_LISTEN", 9090)
            if env.get(listen_var) != f"0.0.0.0:{port}":
                self.fail(where, f"must set {listen_var}=0.0.0.0:{port}")
            published = s.get("ports") or []
            if role == "gateway":
                if published != ["8080:8080"]:
                    self.fail(where, "the gateway must publish 8080:8080")
                for var, side in (("GOMARKET_COMMAND_API_URL", "command-api"), ("GOMARKET_QUERY_API_URL", "query-api")):
                    m = re.fullmatch(r"http://([a-z0-9-]+):8080", str(env.get(var)))
                    if not m or m.group(1) not in services:
                        self.fail(where, f"{var} must be http://<service>:8080 of this file")
                    elif (services[m.group(1)].get("command") or [None])[0] != side:
                        self.fail(where, f"{var} points at {m.group(1)}, which does not run {side}")
                    elif (deps.get(m.group(1)) or {}).get("condition") != "service_healthy":
                        self.fail(where, f"must wait for {m.group(1)} to be healthy")
            elif published:
                self.fail(where, "only the gateway publishes ports")
        missing = sorted((set(ROLES) | {"migrate"}) - set(roles))
        if missing:
            self.fail(rel, f"no service runs {', '.join(missing)}")
        self.notes.append(f"{rel}: {len(services)} services, {len(gomarket)} of the gomarket image")


    # --- Dockerfile -----------------------------------------------------------------------

    def dockerfile(self, path: str) -> None:
        import tomllib

        rel = os.path.relpath(path, ROOT)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        with open(os.path.join(ROOT, "Cargo.toml"), "rb") as f:
            members = tomllib.load(f)["workspace"]["members"]
        loops = dict(re.findall(r"for (\w+) in ([^;]+);", text))
        stubbed = set(loops.get("crate", "").split())
        if stubbed != set(members):
            self.fail(rel, f"stubs crates {sorted(stubbed)}, the workspace has {sorted(members)}")
        benches_stubbed = set(loops.get("bench", "").split())
        for member in members:
            if not re.search(rf"^COPY\s.*\b{re.escape(member)}/Cargo\.toml\b", text, re.M):
                self.fail(rel, f"does not copy {member}/Cargo.toml into the dependency layer")
            if os.path.exists(os.path.join(ROOT, member, "build.rs")) and not re.search(
                rf"^COPY\s.*\b{re.escape(member)}/build\.rs\b", text, re.M
            ):
                self.fail(rel, f"does not copy {member}/build.rs into the dependency layer")
            with open(os.path.join(ROOT, member, "Cargo.toml"), "rb") as f:
                manifest = tomllib.load(f)
            for kind in ("bin", "test", "example"):
                for target in manifest.get(kind, []):
                    self.fail(rel, f"{member} declares [[{kind}]] {target.get('name')}: stub it in the dependency layer")
            benches = {b["name"] for b in manifest.get("bench", [])}
            if member != "gomarket" and benches:
                self.fail(rel, f"{member} declares [[bench]] {sorted(benches)}: stub them in the dependency layer")
            if member == "gomarket" and benches != benches_stubbed:
                self.fail(rel, f"stubs benches {sorted(benches_stubbed)}, gomarket declares {sorted(benches)}")
        self.notes.append(f"{rel}: dependency layer covers {len(members)} workspace members")


def main(argv: list[str]) -> int:
    rendered, compose, dockerfiles = [], [], []
    args = iter(argv[1:])
    for arg in args:
        if arg == "--compose":
            compose.append(next(args))
        elif arg == "--dockerfile":
            dockerfiles.append(next(args))
        else:
            rendered.append(arg)
    if not rendered and not compose and not dockerfiles:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    checker = Checker()
    for path in rendered:
        checker.kubernetes(path)
    for path in compose:
        checker.compose(path)
    for path in dockerfiles:
        checker.dockerfile(path)
    for note in checker.notes:
        print(f"deploy-rules: {note}")
    if checker.errors:
        for error in checker.errors:
            print(f"deploy-rules: ERROR {error}", file=sys.stderr)
        print(f"deploy-rules: {len(checker.errors)} rule(s) broken", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
