"""The built-in plugins of rinec-report, installed as the ``rinec_plugins`` package.

Each sub-package is one plugin, registered in ``pyproject.toml`` under the
``rinec_report`` entry-point group, the same way a third-party plugin is.
"""
