"""scripts/deploy-platform --dry-run: what it would run, from the pinned versions.

Nothing here reaches AWS or a cluster (there is none offline); the dry run proves the script
reads platform/versions.env and the environment's tfvars and applies that environment's
files, in the order platform/README.md describes.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def versions() -> dict[str, str]:
    pairs = (
        line.split("=", 1)
        for line in (ROOT / "platform/versions.env").read_text().splitlines()
        if line and not line.startswith("#")
    )
    return dict(pairs)


def dry_run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(ROOT / "scripts/deploy-platform"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize("env", ["dev", "stage", "prod"])
def test_dry_run_applies_the_environments_files_with_the_pinned_versions(env: str) -> None:
    result = dry_run(env, "--dry-run")
    assert result.returncode == 0, result.stderr
    commands = [line[2:] for line in result.stderr.splitlines() if line.startswith("+ ")]
    pinned = versions()
    kubeconfig = f"aws eks update-kubeconfig --name mlops-{env}-cluster --region us-east-1"
    assert commands[0].startswith(kubeconfig)
    order = [
        "karpenter-crd",
        "karpenter ",
        "helm show crds aws-load-balancer-controller",
        "aws-load-balancer-controller aws-load-balancer-controller",
        "nvidia-device-plugin nvidia-device-plugin",
        "dcgm-exporter dcgm-exporter",
        "--validate=strict",
        "rollout status",
    ]
    positions = [next(i for i, c in enumerate(commands) if o in c) for o in order]
    assert positions == sorted(positions), commands
    karpenter = next(c for c in commands if "oci://public.ecr.aws/karpenter/karpenter " in c)
    assert f"--version {pinned['KARPENTER_VERSION']}" in karpenter
    assert f"--values platform/environments/{env}/karpenter.values.yaml" in karpenter
    lbc = next(
        c for c in commands if c.startswith("helm upgrade --install aws-load-balancer-controller")
    )
    assert f"--version {pinned['AWS_LOAD_BALANCER_CONTROLLER_CHART_VERSION']}" in lbc
    assert f"--values platform/environments/{env}/aws-load-balancer-controller.values.yaml" in lbc
    assert "--set vpcId=" in lbc
    for chart, key in (
        ("nvidia-device-plugin", "NVIDIA_DEVICE_PLUGIN_CHART_VERSION"),
        ("dcgm-exporter", "DCGM_EXPORTER_CHART_VERSION"),
    ):
        install = next(c for c in commands if c.startswith(f"helm upgrade --install {chart} "))
        assert f"--version {pinned[key]}" in install
        assert f"--values platform/environments/{env}/{chart}.values.yaml" in install
    applies = [c for c in commands if c.startswith("kubectl apply")]
    assert all("--validate=strict" in c and "--server-side" in c for c in applies), applies
    files = " ".join(applies)
    assert f"-f platform/environments/{env}/karpenter-nodepool.yaml" in files
    # The app is the environment's overlay of the shared base, rendered by kubectl.
    assert f"-k platform/environments/{env}/model-serving" in files
    assert f"-k platform/environments/{env}/gpu-nodepool" in files
    assert f"-k platform/environments/{env}/ml-training" in files
    assert f"-k platform/environments/{env}/mlflow" in files
    assert "kubectl --namespace mlflow rollout status deployment/mlflow --timeout 10m" in commands
    assert "-f platform/common/amp-collector-rbac.yaml" in files
    # Nothing of another environment.
    others = {"dev", "stage", "prod"} - {env}
    assert not any(
        f"environments/{o}/" in c or f"mlops-{o}-" in c for c in commands for o in others
    )


def test_an_unknown_environment_is_refused() -> None:
    result = dry_run("qa", "--dry-run")
    assert result.returncode == 2
    assert 'ENV must be dev, stage or prod, not "qa"' in result.stderr
