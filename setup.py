"""Package discovery for setuptools; every other piece of metadata is in pyproject.toml.

Every package under makegen/ is found by pattern, so a new subpackage cannot be left out of
the wheel; the templates of the top-level rules/ folder ship inside it as makegen.rules.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["makegen", "makegen.*"]), "makegen.rules"],
    package_dir={"makegen.rules": "rules"},
)
