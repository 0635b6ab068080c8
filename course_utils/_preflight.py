"""Checks that ``make`` runs before installing, so that a machine that cannot
install the course gets one clear sentence instead of a wall of pip output.

Standard library only, and syntax that old Pythons can parse (it must be able
to tell a Python 3.8 user that their Python is too old).

usage: python course_utils/_preflight.py python|index|install-failed LOG
"""
import os
import subprocess
import sys

MINIMUM = (3, 11)


def check_python():
    if sys.version_info[:2] < MINIMUM:
        print("The course needs Python %d.%d or newer, but `%s` is Python %s.\n"
              "Install a newer Python (python.org, `brew install python@3.11`, or "
              "`apt install python3.11 python3.11-venv`) and run make again, or point make "
              "at one: `make lab PYTHON=python3.11`."
              % (MINIMUM[0], MINIMUM[1], sys.executable, sys.version.split()[0]))
        return 1
    try:
        import ensurepip  # noqa: F401 - imported only to see that it exists
        import venv  # noqa: F401 - imported only to see that it exists
    except ImportError:
        print("Python %s at %s has no venv/ensurepip module. On Debian or Ubuntu install it "
              "with `apt install python3-venv` (or python%d.%d-venv), then run make again."
              % (sys.version.split()[0], sys.executable, sys.version_info[0], sys.version_info[1]))
        return 1
    return 0


def _index_url():
    url = os.environ.get("PIP_INDEX_URL")
    if not url:
        try:
            out = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.index-url"],
                                 capture_output=True, text=True, timeout=60)
            url = out.stdout.strip() if out.returncode == 0 else ""
        except (OSError, subprocess.SubprocessError):
            url = ""
    return (url or "https://pypi.org/simple").rstrip("/")


def check_index():
    if os.environ.get("PIP_NO_INDEX"):
        return 0
    import urllib.request

    url = _index_url()
    try:
        urllib.request.urlopen(url + "/pip/", timeout=20).close()
    except Exception as exc:
        print("Cannot reach the Python package index at %s (%s).\n"
              "The first `make lab` / `make test` installs the course's packages and needs "
              "network access to PyPI or a mirror (set PIP_INDEX_URL). Once installed, the "
              "course runs offline." % (url, exc))
        return 1
    return 0


def explain_failed_install(log):
    lines = []
    try:
        with open(log) as f:
            lines = f.read().splitlines()
    except OSError:
        pass
    errors = [line for line in lines if line.startswith("ERROR") or "error:" in line.lower()]
    print("Installing the course's packages failed. The last errors from pip:")
    for line in (errors or lines)[-8:]:
        print("    " + line)
    print("The whole log is in %s. Common causes: no network to the package index, a Python "
          "for which TensorFlow 2.21 has no wheel (use 3.11 to 3.13), or too little disk space."
          % log)
    return 1


def main(argv):
    if len(argv) < 2 or argv[1] not in ("python", "index", "install-failed"):
        print(__doc__)
        return 2
    if argv[1] == "python":
        return check_python()
    if argv[1] == "index":
        return check_index()
    return explain_failed_install(argv[2] if len(argv) > 2 else "build/install.log")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
