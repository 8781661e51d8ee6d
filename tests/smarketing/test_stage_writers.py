"""Only funnel.services changes a lead's stage or writes a StageChange (STYLE.md), so that a
lead's stage always equals its last stage change. Imports cannot say it (every page reads the
stage), so this reads the source: every assignment of a lead's stage, every save or update that
names it, and every StageChange built or written, outside funnel/services.py. (The demo data
builder, leads/demo.py, COPYs made-up leads with their made-up history in bulk: SQL, not a move.)"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "smarketing", "leads", "funnel", "dashboard", "digests")
WRITER = "funnel/services.py"
# Places that touch the stage without moving a lead, each with why.
NOT_MOVES = {
    # The board gives each card's lead the stage it has read already; nothing is saved.
    ("funnel/board.py", "stage"),
}
STAGE_FIELDS = {"stage", "stage_id", "stage_entered_at"}
WRITE_METHODS = {"create", "bulk_create", "get_or_create", "update_or_create", "update"}


def _names_a_stage_field(node: ast.AST) -> str | None:
    """The stage field a literal (a string, or a list of them) names, if any."""
    for value in ast.walk(node):
        if isinstance(value, ast.Constant) and value.value in STAGE_FIELDS:
            return str(value.value)
    return None


def _writes(tree: ast.AST) -> list[tuple[int, str]]:
    """Each (line, field or model) where `tree` writes a lead's stage or a StageChange."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found += [
                (node.lineno, target.attr)
                for target in targets
                if isinstance(target, ast.Attribute) and target.attr in STAGE_FIELDS
            ]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name == "StageChange" or (name in WRITE_METHODS and "StageChange" in ast.unparse(func)):
            found.append((node.lineno, "StageChange"))
        if name in WRITE_METHODS or name == "Lead":
            found += [
                (node.lineno, str(keyword.arg))
                for keyword in node.keywords
                if keyword.arg in STAGE_FIELDS
            ]
        if name == "save":
            found += [
                (node.lineno, field)
                for keyword in node.keywords
                if keyword.arg == "update_fields"
                and (field := _names_a_stage_field(keyword.value)) is not None
            ]
    return found


def _sources() -> list[Path]:
    return sorted(
        path
        for app in APPS
        for path in (ROOT / app).rglob("*.py")
        if "migrations" not in path.parts
    )


@pytest.mark.parametrize("path", _sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_only_the_funnel_services_move_a_lead(path: Path) -> None:
    name = str(path.relative_to(ROOT))
    if name == WRITER:
        return
    writes = [
        f"{name}:{line} writes {what}"
        for line, what in _writes(ast.parse(path.read_text(), filename=name))
        if (name, what) not in NOT_MOVES
    ]
    assert not writes, "Only funnel.services moves a lead: " + "; ".join(writes)


def test_the_check_sees_the_services_writing() -> None:
    """The check is not blind: in funnel/services.py it finds the moves it forbids elsewhere."""
    writes = {what for _, what in _writes(ast.parse((ROOT / WRITER).read_text()))}
    assert {"StageChange", "stage", "stage_entered_at"} <= writes


@pytest.mark.parametrize(
    "source",
    [
        "lead.stage = other",
        "lead.stage_id = 3",
        "Lead.objects.filter(pk=1).update(stage=other)",
        "Lead.objects.create(stage=first, full_name='x')",
        "lead.save(update_fields=['stage', 'updated_at'])",
        "StageChange.objects.create(lead=lead, to_stage=other)",
        "StageChange.objects.bulk_create(rows)",
        "changes.append(StageChange(lead=lead))",
    ],
)
def test_each_way_of_writing_is_seen(source: str) -> None:
    assert _writes(ast.parse(source))


@pytest.mark.parametrize(
    "source",
    [
        "Lead.objects.filter(stage=other)",
        "lead.stage.name",
        "StageChange.objects.filter(lead=lead).count()",
        "lead.save(update_fields=['marketing_owner'])",
    ],
)
def test_reading_is_not_writing(source: str) -> None:
    assert not _writes(ast.parse(source))
