"""Use cases of graded supervision and 双随机、一公开 (req §3.6–3.7). Services flush, never commit.

- A department keeps its **mapping** (class → ratio, frequency) as versioned data, its **item list** and its
  **inspector pool**; the office may act for any department, a department only for itself.
- A **task** freezes its entity pool at creation: the filter runs over the entity master, each entity gets its class
  (key-supervision list in force, else its public credit grade from ``xinyong.evaluation``, else 未评价), the rows
  are stored and the pool's SM3 hash is published with the task.
- A **draw** (one round) takes the public value entered at the draw, refuses one already used on the same pool, and
  runs :mod:`xinyong.inspections.rules` over the frozen rows; entities drawn in earlier rounds of the task are left
  out; inspectors come from the department's active pool, minus conflicts and whoever inspected the entity last time.
  The result and the bundle (without its pool, which the rows hold) are stored and public at once.
- Each drawn entity's **result** becomes a 行政检查 credit record through ``records.service`` (versioned, public,
  audited), with the 20-working-day publication deadline tracked; ``xinyong tick`` flags those overdue.

The service is the area's surface; its parts live in sections of their own below it:
:mod:`~xinyong.inspections.classes` (who acts for which department, classes, the mapping),
:mod:`~xinyong.inspections.registers` (item list, inspector pool), :mod:`~xinyong.inspections.tasks` (tasks and
frozen pools), :mod:`~xinyong.inspections.draws` (the draw), :mod:`~xinyong.inspections.results` (results and their
deadline) and :mod:`~xinyong.inspections.cases` (典型案例 and the public task list).
"""

from __future__ import annotations

from xinyong.inspections.cases import (
    case_out,
    case_view,
    create_case,
    entity_name,
    public_case,
    public_cases,
    public_tasks,
    task_name,
    withdraw_case,
)
from xinyong.inspections.classes import (
    KEY_SUPERVISION,
    acting_department,
    classify,
    current_mapping,
    department_names,
    entities_by_class,
    grades_of,
    key_supervision,
    list_mappings,
    mapping_out,
    reading_department,
    save_mapping,
)
from xinyong.inspections.draws import (
    assignment_out,
    assignments_of_draw,
    bundle_of,
    get_draw,
    list_public_draws,
    make_draw,
    public_draw,
)
from xinyong.inspections.registers import (
    create_inspector,
    create_item,
    inspector_out,
    item_out,
    list_inspectors,
    list_items,
    retire_item,
    update_inspector,
)
from xinyong.inspections.results import get_assignment, list_assignments, record_result, sweep_overdue
from xinyong.inspections.tasks import create_task, draw_out, draws_of, get_task, list_tasks, pool_rows, task_out

__all__ = [
    "KEY_SUPERVISION",
    "acting_department",
    "assignment_out",
    "assignments_of_draw",
    "bundle_of",
    "case_out",
    "case_view",
    "classify",
    "create_case",
    "create_inspector",
    "create_item",
    "create_task",
    "current_mapping",
    "department_names",
    "draw_out",
    "draws_of",
    "entities_by_class",
    "entity_name",
    "get_assignment",
    "get_draw",
    "get_task",
    "grades_of",
    "inspector_out",
    "item_out",
    "key_supervision",
    "list_assignments",
    "list_inspectors",
    "list_items",
    "list_mappings",
    "list_public_draws",
    "list_tasks",
    "make_draw",
    "mapping_out",
    "pool_rows",
    "public_case",
    "public_cases",
    "public_draw",
    "public_tasks",
    "reading_department",
    "record_result",
    "retire_item",
    "save_mapping",
    "sweep_overdue",
    "task_name",
    "task_out",
    "update_inspector",
    "withdraw_case",
]
