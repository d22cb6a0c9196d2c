#!/usr/bin/env python3
"""Hydra oracle: print the job config that Hydra 1.3.2 composes, resolved, as one line of JSON.

Usage: hydra_oracle.py [--yaml] CONFIG_DIR [OVERRIDES...]

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


def main(argv):
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
        with initialize_config_dir(config_dir=config_dir, version_base=None):
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
