"""References between the objects of one environment, which no schema can see.

Each object can be valid alone and the set still broken: an HPA scaling a Deployment that
is not there, an Ingress pointing at a Service port that does not exist, a Service or
PodDisruptionBudget whose selector matches no pods, a NodePool naming a missing
EC2NodeClass, a claim bound to a missing volume, a pod naming a missing claim or service
account. The API server accepts all of these; the result is an app that never gets
traffic, never scales or never gets nodes. Only schema-valid objects are given here, so
their shapes can be trusted.
"""

from __future__ import annotations

from typing import Any

from manifest_report import Document, Report

# Namespaces every cluster has; any other one must be declared among the objects.
BUILT_IN_NAMESPACES = {"default", "kube-system", "kube-public", "kube-node-lease"}
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet"}


def _name(doc: Document) -> str:
    return doc.data["metadata"].get("name", "")


def _namespace(doc: Document) -> str | None:
    return doc.data["metadata"].get("namespace")


def _pod_labels(doc: Document) -> dict[str, str]:
    return ((doc.data["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}


def _matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def check_references(docs: list[Document], report: Report) -> None:
    by_kind: dict[str, list[Document]] = {}
    for doc in docs:
        by_kind.setdefault(doc.data["kind"], []).append(doc)

    def find(kind: str, name: str, namespace: str | None) -> Document | None:
        return next(
            (d for d in by_kind.get(kind, []) if _name(d) == name and _namespace(d) == namespace),
            None,
        )

    def workloads_in(namespace: str | None) -> list[Document]:
        return [
            d
            for kind in WORKLOAD_KINDS
            for d in by_kind.get(kind, [])
            if _namespace(d) == namespace
        ]

    declared = {_name(d) for d in by_kind.get("Namespace", [])} | BUILT_IN_NAMESPACES
    for doc in docs:
        namespace = _namespace(doc)
        if namespace is not None and namespace not in declared:
            report.add(
                doc,
                ["metadata", "namespace"],
                f"namespace {namespace!r} is not declared here (add a Namespace object)",
            )

    for doc in by_kind.get("NodePool", []):
        ref = doc.data["spec"]["template"]["spec"]["nodeClassRef"]
        if ref.get("kind") == "EC2NodeClass" and find("EC2NodeClass", ref["name"], None) is None:
            report.add(
                doc,
                ["spec", "template", "spec", "nodeClassRef", "name"],
                f"no EC2NodeClass {ref['name']!r} among this environment's files",
            )

    for kind in WORKLOAD_KINDS:
        for doc in by_kind.get(kind, []):
            selector = doc.data["spec"]["selector"].get("matchLabels") or {}
            if selector and not _matches(selector, _pod_labels(doc)):
                report.add(
                    doc,
                    ["spec", "selector", "matchLabels"],
                    "does not match the pod template's labels (the API server refuses it)",
                )

    for doc in by_kind.get("HorizontalPodAutoscaler", []):
        target = doc.data["spec"]["scaleTargetRef"]
        if find(target["kind"], target["name"], _namespace(doc)) is None:
            report.add(
                doc,
                ["spec", "scaleTargetRef", "name"],
                f"no {target['kind']} {target['name']!r} in namespace {_namespace(doc)!r}",
            )

    def check_selector(doc: Document, selector: dict, path: list[Any], what: str) -> None:
        if selector and not any(
            _matches(selector, _pod_labels(w)) for w in workloads_in(_namespace(doc))
        ):
            report.add(doc, path, f"{what} {selector} matches no workload's pods")

    for doc in by_kind.get("Service", []):
        selector = doc.data["spec"].get("selector") or {}
        check_selector(doc, selector, ["spec", "selector"], "selector")
        ports = {
            port["name"]
            for w in workloads_in(_namespace(doc))
            if _matches(selector, _pod_labels(w))
            for container in w.data["spec"]["template"]["spec"]["containers"]
            for port in container.get("ports") or []
            if "name" in port
        }
        for index, port in enumerate(doc.data["spec"].get("ports") or []):
            target = port.get("targetPort")
            if isinstance(target, str) and target not in ports:
                report.add(
                    doc,
                    ["spec", "ports", index, "targetPort"],
                    f"no container port named {target!r} in the selected pods",
                )

    for doc in by_kind.get("PodDisruptionBudget", []):
        selector = (doc.data["spec"].get("selector") or {}).get("matchLabels") or {}
        check_selector(doc, selector, ["spec", "selector", "matchLabels"], "selector")

    for doc in by_kind.get("NetworkPolicy", []):
        selector = doc.data["spec"]["podSelector"].get("matchLabels") or {}
        check_selector(doc, selector, ["spec", "podSelector", "matchLabels"], "podSelector")

    for doc in by_kind.get("Ingress", []):
        for path, backend in _ingress_backends(doc.data["spec"]):
            service = backend.get("service")
            if not service:
                continue
            target = find("Service", service["name"], _namespace(doc))
            if target is None:
                report.add(
                    doc,
                    path + ["service", "name"],
                    f"no Service {service['name']!r} in namespace {_namespace(doc)!r}",
                )
                continue
            ports = target.data["spec"].get("ports") or []
            port = service.get("port") or {}
            if "name" in port and port["name"] not in {p.get("name") for p in ports}:
                report.add(
                    doc,
                    path + ["service", "port", "name"],
                    f"Service {service['name']!r} has no port named {port['name']!r}",
                )
            if "number" in port and port["number"] not in {p.get("port") for p in ports}:
                report.add(
                    doc,
                    path + ["service", "port", "number"],
                    f"Service {service['name']!r} has no port {port['number']}",
                )

    _check_volumes(docs, by_kind, find, report)


# Kinds whose pod template may claim volumes or name a service account.
POD_TEMPLATE_KINDS = WORKLOAD_KINDS | {"Job"}


def _check_volumes(docs: list[Document], by_kind: dict[str, list[Document]], find: Any, report: Report) -> None:
    """A claim bound to a volume that is not there stays Pending, and so does every pod
    that mounts it; a pod naming a missing claim or service account never starts."""
    for doc in by_kind.get("PersistentVolumeClaim", []):
        volume = doc.data["spec"].get("volumeName")
        if volume and find("PersistentVolume", volume, None) is None:
            report.add(doc, ["spec", "volumeName"], f"no PersistentVolume {volume!r} among these files")
    for doc in by_kind.get("PersistentVolume", []):
        ref = doc.data["spec"].get("claimRef") or {}
        if ref.get("name") and find("PersistentVolumeClaim", ref["name"], ref.get("namespace")) is None:
            report.add(
                doc,
                ["spec", "claimRef", "name"],
                f"no PersistentVolumeClaim {ref['name']!r} in namespace {ref.get('namespace')!r}",
            )
    for kind in POD_TEMPLATE_KINDS:
        for doc in by_kind.get(kind, []):
            namespace = _namespace(doc)
            pod = doc.data["spec"]["template"]["spec"]
            for index, volume in enumerate(pod.get("volumes") or []):
                claim = (volume.get("persistentVolumeClaim") or {}).get("claimName")
                if claim and find("PersistentVolumeClaim", claim, namespace) is None:
                    report.add(
                        doc,
                        ["spec", "template", "spec", "volumes", index, "persistentVolumeClaim", "claimName"],
                        f"no PersistentVolumeClaim {claim!r} in namespace {namespace!r}",
                    )
            account = pod.get("serviceAccountName")
            if account and account != "default" and find("ServiceAccount", account, namespace) is None:
                report.add(
                    doc,
                    ["spec", "template", "spec", "serviceAccountName"],
                    f"no ServiceAccount {account!r} in namespace {namespace!r} (its Pod Identity "
                    "association names it)",
                )


def _ingress_backends(spec: dict) -> list[tuple[list[Any], dict]]:
    found = []
    if spec.get("defaultBackend"):
        found.append((["spec", "defaultBackend"], spec["defaultBackend"]))
    for r, rule in enumerate(spec.get("rules") or []):
        for p, path in enumerate((rule.get("http") or {}).get("paths") or []):
            found.append((["spec", "rules", r, "http", "paths", p, "backend"], path["backend"]))
    return found
