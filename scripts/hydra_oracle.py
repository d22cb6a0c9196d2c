#!/usr/bin/env python3
"""Hydra oracle: print the job config that Hydra 1.3.2 composes, resolved, as one line of JSON.

Usage: hydra_oracle.py [--yaml] CONFIG_DIR [OVERRIDES...]
       hydra_oracle.py --run CONFIG_DIR [OVERRIDES...]
       hydra_oracle.py --show PART [--resolve] [--package P] CONFIG_DIR [OVERRIDES...]

With --run, Hydra really runs a job, in the current directory, as the reference's `main.py`
would (`@hydra.main(config_path=CONFIG_DIR, config_name="config", version_base=None)` in a
file named main.py, so the job is named `main`): Hydra makes the run directory, saves its
configs, changes directory if asked and sets the environment. The task function prints one
line of JSON: the run directory and the working directory (relative to where the run
started), the files saved in the run directory and their text (with the start directory
written `<start>`; Hydra's `<job>.log` left out: dforce writes
no Python log), the `hydra.job.env_set` variables as the job sees them, `hydra.job.name`,
`hydra.job.override_dirname`, and the resolved job config.

With --show, the same app is started with Hydra's `--cfg PART [--resolve] [--package P]`;
what Hydra prints goes to stdout, and the exit status is 1 when Hydra fails.

Composes `config.yaml` of CONFIG_DIR with Hydra's compose API and `version_base=None`, as the
reference's `main.py` does, then prints `OmegaConf.to_container(cfg, resolve=True)` as JSON
(keys in order) or, with --yaml, `OmegaConf.to_yaml(cfg, resolve=True)`. On a composition or
resolution error it prints the exception to stderr and exits with status 1.

Requires `pip install hydra-core==1.3.2`. Used by scripts/check_hydra_parity.sh to check that
crates/dforce-config composes exactly what Hydra does.
"""

import json
import os
import sys
import warnings


RUN_APP = r"""
import json, os, sys
import hydra
from hydra.core.hydra_config import HydraConfig
from omegaconf import OmegaConf

START = os.getcwd()


@hydra.main(config_path=os.environ["ORACLE_CONFIG_DIR"], config_name="config", version_base=None)
def main(cfg):
    hc = HydraConfig.get()
    out_dir = hc.runtime.output_dir
    saved = []
    for root, _, files in os.walk(out_dir):
        for f in files:
            if not f.endswith(".log"):
                saved.append(os.path.relpath(os.path.join(root, f), out_dir))
    texts = {}
    for name in sorted(saved):
        with open(os.path.join(out_dir, name)) as f:
            texts[name] = f.read().replace(START, "<start>")
    result = {
        "run_dir": os.path.relpath(out_dir, START),
        "cwd": os.path.relpath(os.getcwd(), START),
        "saved": sorted(saved),
        "saved_text": texts,
        "env": {k: os.environ.get(k) for k in hc.job.env_set},
        "job_name": hc.job.name,
        "override_dirname": hc.job.override_dirname,
        "job": OmegaConf.to_container(cfg, resolve=True),
    }
    with open(os.environ["ORACLE_OUT"], "w") as f:
        f.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
"""


def run_app(config_dir, overrides):
    """Runs RUN_APP as main.py in the current directory; prints its JSON line."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        app = os.path.join(tmp, "main.py")
        out = os.path.join(tmp, "out.json")
        with open(app, "w") as f:
            f.write(RUN_APP)
        env = dict(os.environ, ORACLE_CONFIG_DIR=config_dir, ORACLE_OUT=out, HYDRA_FULL_ERROR="0")
        proc = subprocess.run([sys.executable, app, *overrides], env=env, capture_output=True, text=True)
        if proc.returncode != 0 or not os.path.exists(out):
            message = " ".join((proc.stderr or proc.stdout).split())
            print(f"error: {message}", file=sys.stderr)
            return 1
        with open(out) as f:
            sys.stdout.write(f.read())
    return 0


def show_app(part, flags, config_dir, overrides):
    """Runs RUN_APP as main.py with Hydra's `--cfg PART FLAGS`; prints what Hydra prints."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        app = os.path.join(tmp, "main.py")
        with open(app, "w") as f:
            f.write(RUN_APP)
        env = dict(os.environ, ORACLE_CONFIG_DIR=config_dir, ORACLE_OUT=os.devnull, HYDRA_FULL_ERROR="0")
        args = [sys.executable, app, "--cfg", part, *flags, *overrides]
        proc = subprocess.run(args, env=env, capture_output=True, text=True)
        sys.stdout.write(proc.stdout)
        if proc.returncode != 0:
            # Hydra prints a traceback for --cfg failures; its last line names the error.
            lines = [line for line in proc.stderr.splitlines() if line.strip()]
            print(f"error: {lines[-1].strip() if lines else ''}", file=sys.stderr)
            return 1
    return 0


def main(argv):
    if argv and argv[0] == "--show":
        rest = argv[2:]
        flags = []
        while rest and rest[0] in ("--resolve", "--package"):
            take = 2 if rest[0] == "--package" else 1
            flags += rest[:take]
            rest = rest[take:]
        if len(argv) < 2 or not rest:
            print(__doc__, file=sys.stderr)
            return 2
        return show_app(argv[1], flags, os.path.abspath(rest[0]), rest[1:])
    if argv and argv[0] == "--run":
        if len(argv) < 2:
            print(__doc__, file=sys.stderr)
            return 2
        return run_app(os.path.abspath(argv[1]), argv[2:])
    as_yaml = bool(argv) and argv[0] == "--yaml"
    if as_yaml:
        argv = argv[1:]
    if not argv:
        print(__doc__, file=sys.stderr)
        return 2
    config_dir = os.path.abspath(argv[0])
    overrides = argv[1:]

    import hydra
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    if hydra.__version__ != "1.3.2":
        print(f"warning: hydra-core {hydra.__version__} found, the oracle expects 1.3.2", file=sys.stderr)

    # Hydra warns when a primary config omits `_self_`; that is expected for the reference tree.
    warnings.simplefilter("ignore", UserWarning)
    try:
        with initialize_config_dir(config_dir=config_dir, version_base=None, job_name="main"):
            cfg = compose(config_name="config", overrides=overrides)
            if as_yaml:
                sys.stdout.write(OmegaConf.to_yaml(cfg, resolve=True))
            else:
                print(json.dumps(OmegaConf.to_container(cfg, resolve=True)))
    except Exception as e:  # noqa: BLE001 - any Hydra/OmegaConf failure is a result here
        message = " ".join(str(e).split())
        print(f"error: {type(e).__name__}: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
