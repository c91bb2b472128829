"""Only for one setuptools gap: data files (the prebuilt JupyterLab extension under
share/jupyter/labextensions) in editable installs. Everything else is in pyproject.toml."""

from __future__ import annotations

from setuptools import setup
from setuptools.command.editable_wheel import editable_wheel


class EditableWheelWithData(editable_wheel):
    """setuptools asks ``has_data`` (which does not exist) instead of ``has_data_files``, so
    ``pip install -e .`` skipped the data files; install them as a normal install does."""

    def _run_install(self, category: str) -> None:
        if category == "data":
            if self.distribution.has_data_files():
                self.run_command("install_data")
            return
        super()._run_install(category)


setup(cmdclass={"editable_wheel": EditableWheelWithData})
