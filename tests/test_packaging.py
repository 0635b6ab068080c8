"""The install files agree with each other and with the README."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _normalise(req: str) -> str:
    r = Requirement(req)
    name = re.sub(r"[-_.]+", "-", r.name).lower()
    marker = f"; {r.marker}" if r.marker else ""
    return f"{name}{r.specifier}{marker}"


def _environment_yml():
    """The pip requirements and the python pin of environment.yml (no YAML library needed)."""
    pip_reqs, python = [], None
    in_pip = False
    for raw in (ROOT / "environment.yml").read_text().splitlines():
        line = raw.split(" #")[0].rstrip()
        if re.match(r"^\s*-\s*pip:\s*$", line):
            in_pip = True
            continue
        m = re.match(r"^\s*-\s*(.+)$", line)
        if not m:
            continue
        item = m.group(1).strip()
        if in_pip and raw.startswith(" " * 6):
            pip_reqs.append(item)
        elif item.startswith("python="):
            python = item.split("=", 1)[1]
    return pip_reqs, python


def test_environment_yml_installs_exactly_what_pyproject_pins():
    project = _pyproject()["project"]
    wanted = list(project["dependencies"])
    for extra in ("tf", "lab", "test"):
        wanted += project["optional-dependencies"][extra]
    pip_reqs, _ = _environment_yml()
    assert "-e ." in pip_reqs, "environment.yml must install the course package itself (-e .)"
    listed = sorted(_normalise(r) for r in pip_reqs if r != "-e .")
    assert listed == sorted(_normalise(r) for r in wanted), (
        "environment.yml and pyproject.toml have drifted apart:\n"
        f"only in environment.yml: {sorted(set(listed) - {_normalise(r) for r in wanted})}\n"
        f"only in pyproject.toml: {sorted({_normalise(r) for r in wanted} - set(listed))}")


def test_every_dependency_is_pinned_exactly():
    project = _pyproject()["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    loose = [r for r in reqs if not str(Requirement(r).specifier).startswith("==")]
    assert not loose, f"unpinned requirements: {loose}"


def test_environment_python_satisfies_requires_python():
    _, python = _environment_yml()
    required = _pyproject()["project"]["requires-python"]
    assert python is not None, "environment.yml must pin python"
    assert re.fullmatch(r">=\s*3\.(\d+)", required)
    assert int(python.split(".")[1]) >= int(required.split(".")[1])


def test_tensorflow_is_an_extra_not_a_core_dependency():
    # Installing the course must never replace an existing TensorFlow (Colab's, a GPU build).
    project = _pyproject()["project"]
    assert not any(Requirement(r).name.startswith("tensorflow") for r in project["dependencies"])
    tf_reqs = [Requirement(r) for r in project["optional-dependencies"]["tf"]]
    assert {r.name for r in tf_reqs} == {"tensorflow", "tensorflow-cpu"}
    linux = {"sys_platform": "linux", "platform_machine": "x86_64"}
    mac = {"sys_platform": "darwin", "platform_machine": "arm64"}
    assert [r.name for r in tf_reqs if r.marker.evaluate(linux)] == ["tensorflow-cpu"]
    assert [r.name for r in tf_reqs if r.marker.evaluate(mac)] == ["tensorflow"]


def test_makefile_has_the_documented_targets():
    makefile = (ROOT / "Makefile").read_text()
    for target in ("lab", "test", "lint", "layers-jax", "execute", "setup", "site", "site-check"):
        assert re.search(rf"^{target}:", makefile, re.M), f"Makefile lacks `make {target}`"
    extras = re.search(r"^EXTRAS := (.+)$", makefile, re.M).group(1).split(",")
    # the site tools are installed by `make site` only
    assert set(extras) | {"site"} == set(_pyproject()["project"]["optional-dependencies"])


def test_ci_runs_the_readme_test_command():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^make test$", ci, re.M)
    assert re.search(r"^make site-check$", ci, re.M)
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(make \w+)$", quick, re.M)
    assert commands == ["make lab", "make test"], commands


@pytest.mark.parametrize("folder", ["notebooks", "solutions"])
def test_readme_syllabus_lists_every_notebook(folder):
    readme = (ROOT / "README.md").read_text()
    for nb in sorted((ROOT / folder).glob("*.ipynb")):
        assert f"{folder}/{nb.name}" in readme, f"README does not link {folder}/{nb.name}"
