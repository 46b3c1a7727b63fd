"""Lints and renders a Helm chart offline, as `helm lint --strict` and `helm template` would.

Uses helm-python-sdk, which carries Helm's own Go SDK (engine, linter, values schema) as a shared
library: no helm binary, no cluster, no download.

    render_chart.py CHART OUT.yaml [VALUES.yaml ...]

Writes every rendered manifest, hooks included, to OUT.yaml as one multi-document file. Exits
non-zero on a lint error or warning, a values-schema violation or a template that fails to render.
"""

import sys
from pathlib import Path

import helm_python as helm

RELEASE, NAMESPACE = "boxoffice", "boxoffice"
SEVERITY = {0: "UNKNOWN", 1: "INFO", 2: "WARNING", 3: "ERROR"}


class ChartError(Exception):
    pass


def deep_merge(base: dict, overlay: dict) -> dict:
    out = dict(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def render(chart_dir: str, value_files: list[str]) -> str:
    """Lints, then renders the chart with its defaults overlaid by value_files (later files win,
    key by key, as with `helm -f a.yaml -f b.yaml`). Returns the manifests as one YAML stream."""
    values: dict = {}
    for file in value_files:
        values = deep_merge(values, helm.values_from_yaml(Path(file).read_text()))

    # Strict: warnings fail too; INFO findings (such as "icon is recommended") do not.
    report = helm.lint(chart_dir, values, strict=True, namespace=NAMESPACE)
    problems = [
        f"lint {SEVERITY[m['severity']]}: {m['path']}: {m['error']}"
        for m in report["messages"]
        if m["severity"] >= 2
    ] or report.get("errors")
    if problems:
        raise ChartError("\n".join(problems))

    try:
        with helm.Chart.load(chart_dir) as chart:
            chart.validate_schema(values)
            manifests = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
    except helm.HelmError as err:
        raise ChartError(f"render failed: {err}") from err
    return "---\n".join(
        f"# Source: {name}\n{body.strip()}\n"
        for name, body in sorted(manifests.items())
        if name.endswith((".yaml", ".yml")) and body.strip()
    )


def main() -> int:
    chart_dir, out, *value_files = sys.argv[1:]
    try:
        stream = render(chart_dir, value_files)
    except ChartError as err:
        print(f"  {err}", file=sys.stderr)
        return 1
    Path(out).write_text(stream)
    given = " -f ".join([chart_dir, *value_files])
    print(f"{given}: lint clean, {stream.count('# Source:')} templates rendered to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
