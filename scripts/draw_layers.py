#!/usr/bin/env python3
"""Draw the layers of Tirkeu (docs/layers.svg) from the import contracts in pyproject.toml.

The picture is made from the same `[tool.importlinter]` contracts that `lint-imports` enforces
in ./scripts/test, so it cannot drift from what the code may import:

    .venv/bin/python scripts/draw_layers.py            # rewrite docs/layers.svg
    .venv/bin/python scripts/draw_layers.py --check    # exit 1 when docs/layers.svg is stale

Each column is a top-level package (left may import right); inside a column a box may import the
boxes below it; names in one box separated by "|" are siblings that may not import each other.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from html import escape
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[1]
PICTURE = REPOSITORY / "docs" / "layers.svg"

COLUMN_WIDTH = 250
COLUMN_GAP = 50
BOX_HEIGHT = 40
BOX_GAP = 18
TOP = 78
MARGIN = 20
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


def contracts(pyproject: Path) -> list[dict[str, object]]:
    config = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    found: list[dict[str, object]] = config["tool"]["importlinter"]["contracts"]
    return found


def columns(all_contracts: list[dict[str, object]]) -> list[tuple[str, list[str]]]:
    """(root package, its layers top to bottom) in the order of the top-level contract."""
    layered = {
        str(contract["id"]): [str(layer) for layer in contract["layers"]]  # type: ignore[attr-defined]
        for contract in all_contracts
        if contract["type"] == "layers"
    }
    roots = layered["top"]
    result = []
    for root in roots:
        inner = next(
            (
                layers
                for contract_id, layers in layered.items()
                if contract_id != "top" and layers[0].split(".")[0] == root
            ),
            [root],
        )
        result.append((root, [_short(layer, root) for layer in inner]))
    return result


def _short(layer: str, root: str) -> str:
    names = [name.strip() for name in layer.split("|")]
    return " | ".join(name.removeprefix(root + ".") if name != root else name for name in names)


def draw(all_contracts: list[dict[str, object]]) -> str:
    layout = columns(all_contracts)
    tallest = max(len(layers) for _, layers in layout)
    width = MARGIN * 2 + len(layout) * COLUMN_WIDTH + (len(layout) - 1) * COLUMN_GAP
    forbidden = [str(c["name"]) for c in all_contracts if c["type"] == "forbidden"]
    rules_top = TOP + tallest * (BOX_HEIGHT + BOX_GAP) + 10
    height = rules_top + 20 * (len(forbidden) + 1) + 10
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}'>",
        "<defs><marker id='arrow' markerWidth='10' markerHeight='8' refX='9' refY='4' "
        "orient='auto'><path d='M0,0 L10,4 L0,8 z' fill='#555'/></marker></defs>",
        f"<rect width='{width}' height='{height}' fill='white'/>",
        f"<text x='{MARGIN}' y='24' {FONT} font-size='15' font-weight='bold'>"
        "Tirkeu: who may import whom (from pyproject.toml [tool.importlinter])</text>",
        f"<text x='{MARGIN}' y='44' {FONT} font-size='11' fill='#444'>"
        "A column may import the columns to its right; a box may import the boxes below it; "
        "'a | b' are siblings that may not import each other.</text>",
    ]
    for index, (root, layers) in enumerate(layout):
        left = MARGIN + index * (COLUMN_WIDTH + COLUMN_GAP)
        parts.append(
            f"<text x='{left + COLUMN_WIDTH / 2}' y='{TOP - 10}' text-anchor='middle' {FONT} "
            f"font-size='14' font-weight='bold'>{escape(root)}/</text>"
        )
        if index + 1 < len(layout):
            y = TOP + BOX_HEIGHT / 2
            start, end = left + COLUMN_WIDTH + 4, left + COLUMN_WIDTH + COLUMN_GAP - 4
            parts.append(
                f"<line x1='{start}' y1='{y}' x2='{end}' y2='{y}' stroke='#555' "
                "stroke-width='2' marker-end='url(#arrow)'/>"
            )
        for row, layer in enumerate(layers):
            top = TOP + row * (BOX_HEIGHT + BOX_GAP)
            parts.append(
                f"<rect x='{left}' y='{top}' width='{COLUMN_WIDTH}' height='{BOX_HEIGHT}' rx='6' "
                f"fill='{_fill(root)}' stroke='#333'/>"
            )
            parts.append(
                f"<text x='{left + COLUMN_WIDTH / 2}' y='{top + BOX_HEIGHT / 2 + 4}' "
                f"text-anchor='middle' {FONT} font-size='{_font_size(layer)}'>"
                f"{escape(layer)}</text>"
            )
            if row + 1 < len(layers):
                x = left + COLUMN_WIDTH / 2
                parts.append(
                    f"<line x1='{x}' y1='{top + BOX_HEIGHT + 2}' x2='{x}' "
                    f"y2='{top + BOX_HEIGHT + BOX_GAP - 2}' stroke='#555' stroke-width='1.5' "
                    "marker-end='url(#arrow)'/>"
                )
    parts.append(
        f"<text x='{MARGIN}' y='{rules_top}' {FONT} font-size='12' font-weight='bold'>"
        "Also enforced:</text>"
    )
    for number, name in enumerate(forbidden, start=1):
        parts.append(
            f"<text x='{MARGIN + 12}' y='{rules_top + 20 * number}' {FONT} font-size='12'>"
            f"• {escape(name)}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def _fill(root: str) -> str:
    return {
        "node": "#fde2c8",
        "clients": "#d9ecff",
        "ledger": "#dff3df",
        "consensus": "#efe3ff",
    }.get(root, "#eeeeee")


def _font_size(text: str) -> int:
    return 12 if len(text) <= 34 else 10


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when docs/layers.svg is stale")
    arguments = parser.parse_args()
    picture = draw(contracts(REPOSITORY / "pyproject.toml"))
    if arguments.check:
        current = PICTURE.read_text(encoding="utf-8") if PICTURE.exists() else ""
        if current != picture:
            print("docs/layers.svg is stale: run scripts/draw_layers.py", file=sys.stderr)
            return 1
        return 0
    PICTURE.write_text(picture, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
