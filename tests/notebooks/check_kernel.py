"""One real kernel that runs a notebook's check cells for many student folders in turn.

A student notebook of a release minus everything but its ``setup`` cell and
its check cells (code cells whose id ends in ``-check``), the same sources
by cell id. For each folder (an nndl/ package next to the release's utils/),
``run_all`` switches the kernel to it (the folder as working directory, no
nndl or utils module left imported, a fresh namespace), runs the setup cell,
then the check cells in order until one raises. One kernel start serves every
folder: nbclient executes the cells as Jupyter would, on ipykernel (its
async API, so that a thread of the test can drive a kernel of its own).
"""

import asyncio
from dataclasses import dataclass

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

CELL_TIMEOUT = 300      # seconds; a network's gradient check takes one or two

SWITCH = """\
import importlib, os, sys
os.chdir({folder!r})
for _name in [n for n in sys.modules if n.split('.')[0] in ('nndl', 'utils')]:
    del sys.modules[_name]
importlib.invalidate_caches()
%reset -f
"""


@dataclass(frozen=True)
class Stop:
    """Where a run stopped: the cell that raised (None: every check passed) and what it raised."""

    cell: str | None
    ename: str = ""
    evalue: str = ""
    printed: str = ""       # what the cell printed before raising


def check_cells(notebook):
    """[setup cell, check cells...] of a notebook (nbformat), in order."""
    return [c for c in notebook.cells if c.cell_type == "code"
            and (c.get("id") == "setup" or c.get("id", "").endswith("-check"))]


class CheckKernel:
    """The check cells of one student notebook, run on a kernel of their own."""

    def __init__(self, notebook_path, env, start):
        nb = nbformat.read(notebook_path, as_version=4)
        self.cells = check_cells(nb)
        nb.cells = [nbformat.v4.new_code_cell()]   # nbclient keeps each cell it runs there (index 0)
        self.client = NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(start)}})
        self.env = env

    def run_all(self, folders):
        """[Stop] of the check cells on each folder's nndl/ (each folder holds the release's utils/), in
        one kernel. asyncio.run gives this thread an event loop of its own, closed at the end."""
        return asyncio.run(self._run_all(folders))

    async def _run_all(self, folders):
        async with self.client.async_setup_kernel(env=self.env):
            return [await self._run(folder) for folder in folders]

    async def _run(self, folder):
        await self.client.async_execute_cell(nbformat.v4.new_code_cell(SWITCH.format(folder=str(folder))), 0)
        for cell in self.cells:
            cell = nbformat.from_dict(dict(cell, outputs=[]))
            try:
                await self.client.async_execute_cell(cell, 0)
            except CellExecutionError:
                error = next(o for o in cell.outputs if o.output_type == "error")
                printed = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
                return Stop(cell.id, error.ename, error.evalue, printed)
        return Stop(None)
