"""The imports between two apps, file -> file, in each direction.

    .venv/bin/python -m tests.smarketing.import_pairs leads funnel

prints every pair (importer -> imported, whatever the number of names taken) and the count of
each direction: the figure the layers are measured by. Imports inside functions count too.
"""

import sys

import grimp

APPS = ("accounts", "smarketing", "leads", "funnel", "dashboard", "digests")


def import_pairs(graph: grimp.ImportGraph, importer_app: str, imported_app: str) -> list[str]:
    """Each module of `importer_app` that imports a module of `imported_app`, as a pair."""
    return sorted(
        f"{importer} -> {imported}"
        for importer in graph.find_descendants(importer_app)
        for imported in graph.find_modules_directly_imported_by(importer)
        if (imported == imported_app or imported.startswith(f"{imported_app}."))
        and ".migrations." not in importer
    )


def main(first: str, second: str) -> None:
    graph = grimp.build_graph(*APPS)
    for importer, imported in ((first, second), (second, first)):
        pairs = import_pairs(graph, importer, imported)
        print(f"{importer} -> {imported}: {len(pairs)} pairs")  # noqa: T201
        for pair in pairs:
            print(f"  {pair}")  # noqa: T201


if __name__ == "__main__":
    main(*(sys.argv[1:3] or ["leads", "funnel"]))
