#!/usr/bin/env python3
"""Prints, as a JSON array, every gomarket command line the deployment files run.

For each container of the gomarket image in the rendered Kubernetes manifests (init containers
and the migrate Job included), each Compose service of that image, their Compose health checks
and the image's own CMD and HEALTHCHECK (deploy/Dockerfile):

    {"source": "<file>:<what>", "name": "<container or service>",
     "args": ["<what follows `gomarket`>", ...], "env": {"NAME": "literal value", ...}}

`env` holds the values set literally on that container or service (Kubernetes `env` entries
with a `value`, Compose `environment`), not what `envFrom`, `valueFrom` or the image adds.
A Rust test runs `gomarket <args...> --help` for each, so a role or flag renamed in the binary
cannot go unnoticed in the deployment files.

    target/deploy-tools/bin/python scripts/deploy-commands.py [FILE...]

Without FILEs: target/deploy/*.yaml (rendered by scripts/check-deploy), deploy/docker-compose.yml
and deploy/Dockerfile. Needs PyYAML (in the venv scripts/check-deploy makes).
"""

from __future__ import annotations

import glob
import json
import os
import shlex
import sys

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
IMAGE = "gomarket"
BINARY = "gomarket"
# The image's ENTRYPOINT is `gomarket`; with no arguments it runs its CMD.
DEFAULT_ARGS = ["serve"]
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"}


def is_gomarket_image(image: str | None) -> bool:
    """`gomarket`, `gomarket:0.1.0`, `registry.example.com/team/gomarket@sha256:...`."""
    if not image:
        return False
    name = image.split("@", 1)[0]
    last = name.rsplit("/", 1)[-1]
    return last.split(":", 1)[0] == IMAGE


def is_gomarket_binary(word: str) -> bool:
    return word == BINARY or word.endswith("/" + BINARY)


def command_line(command: list[str] | None, args: list[str] | None, where: str) -> list[str]:
    """The arguments after `gomarket` for a container with this command (entrypoint) and args."""
    if command:
        if not is_gomarket_binary(command[0]):
            raise SystemExit(f"deploy-commands: {where}: runs {command[0]!r}, not {BINARY}")
        return [str(a) for a in command[1:]] + [str(a) for a in (args or [])]
    if args:
        return [str(a) for a in args]
    return list(DEFAULT_ARGS)


def pod_spec(obj: dict) -> dict | None:
    kind = obj.get("kind")
    spec = obj.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    return ((spec.get("template") or {}).get("spec")) or None


def kubernetes_commands(path: str) -> list[dict]:
    rel = os.path.relpath(path, ROOT)
    found = []
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    for obj in docs:
        if obj.get("kind") not in WORKLOAD_KINDS:
            continue
        spec = pod_spec(obj)
        if not spec:
            continue
        what = f"{obj['kind']}/{obj['metadata']['name']}"
        for group in ("initContainers", "containers"):
            for container in spec.get(group) or []:
                if not is_gomarket_image(container.get("image")):
                    continue
                where = f"{rel}:{what}"
                env = {
                    e["name"]: str(e["value"])
                    for e in container.get("env") or []
                    if "value" in e and e["value"] is not None
                }
                found.append({
                    "source": where,
                    "name": container["name"],
                    "args": command_line(container.get("command"), container.get("args"), where),
                    "env": env,
                })
    return found


def words(value) -> list[str] | None:
    """A Compose command/entrypoint: a list, or a string split like a shell would."""
    if value is None:
        return None
    if isinstance(value, str):
        return shlex.split(value)
    return [str(v) for v in value]


def compose_env(environment) -> dict[str, str]:
    env: dict[str, str] = {}
    if isinstance(environment, dict):
        items = environment.items()
    else:
        items = (
            (entry.split("=", 1)[0], entry.split("=", 1)[1] if "=" in entry else None)
            for entry in environment or []
        )
    for name, value in items:
        if value is None:
            continue  # taken from the shell running compose: not a literal
        if isinstance(value, bool):
            value = "true" if value else "false"
        env[str(name)] = str(value)
    return env


def uses_gomarket_image(service: dict) -> bool:
    if is_gomarket_image(service.get("image")):
        return True
    build = service.get("build")
    if isinstance(build, dict):
        return (build.get("dockerfile") or "").endswith("deploy/Dockerfile")
    return False


def compose_commands(path: str) -> list[dict]:
    rel = os.path.relpath(path, ROOT)
    with open(path, encoding="utf-8") as f:
        project = yaml.safe_load(f) or {}
    found = []
    for name, service in (project.get("services") or {}).items():
        if not uses_gomarket_image(service):
            continue
        where = f"{rel}:services.{name}"
        env = compose_env(service.get("environment"))
        found.append({
            "source": where,
            "name": name,
            "args": command_line(words(service.get("entrypoint")), words(service.get("command")), where),
            "env": env,
        })
        check = service.get("healthcheck") or {}
        test = check.get("test")
        if check.get("disable") or not test:
            continue
        if isinstance(test, str):
            test = ["CMD-SHELL", test]
        if test[0] == "CMD":
            argv = [str(t) for t in test[1:]]
        elif test[0] == "CMD-SHELL":
            argv = shlex.split(test[1])
        else:
            continue
        if argv and is_gomarket_binary(argv[0]):
            found.append({
                "source": f"{where}.healthcheck",
                "name": f"{name} healthcheck",
                "args": argv[1:],
                "env": env,
            })
    return found


def dockerfile_commands(path: str) -> list[dict]:
    """The final stage's CMD and HEALTHCHECK, when written in exec (JSON) form."""
    rel = os.path.relpath(path, ROOT)
    lines: list[str] = []
    with open(path, encoding="utf-8") as f:
        pending = ""
        for raw in f:
            line = raw.rstrip("\n")
            if not pending and line.lstrip().startswith("#"):
                continue
            if line.endswith("\\"):
                pending += line[:-1] + " "
                continue
            lines.append(pending + line)
            pending = ""
    stage: list[str] = []
    for line in lines:
        if line.strip().upper().startswith("FROM "):
            stage = []
        stage.append(line.strip())
    found = []
    for line in stage:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "HEALTHCHECK":
            _, _, rest = rest.partition("CMD")
        elif keyword != "CMD":
            continue
        rest = rest.strip()
        if not rest.startswith("["):
            continue
        argv = json.loads(rest)
        if keyword == "HEALTHCHECK":
            if not argv or not is_gomarket_binary(argv[0]):
                continue
            argv = argv[1:]
        found.append({"source": f"{rel}:{keyword}", "name": keyword, "args": argv, "env": {}})
    return found


def main(argv: list[str]) -> int:
    paths = argv[1:]
    if not paths:
        rendered = sorted(glob.glob(os.path.join(ROOT, "target", "deploy", "*.yaml")))
        if not rendered:
            print("deploy-commands: no target/deploy/*.yaml: run scripts/check-deploy first", file=sys.stderr)
            return 1
        paths = rendered + [
            os.path.join(ROOT, "deploy", "docker-compose.yml"),
            os.path.join(ROOT, "deploy", "Dockerfile"),
        ]
    found: list[dict] = []
    for path in paths:
        base = os.path.basename(path)
        if base.endswith("Dockerfile"):
            found += dockerfile_commands(path)
        elif base.startswith(("docker-compose", "compose")):
            found += compose_commands(path)
        else:
            found += kubernetes_commands(path)
    if not found:
        print("deploy-commands: no gomarket command line found", file=sys.stderr)
        return 1
    json.dump(found, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
