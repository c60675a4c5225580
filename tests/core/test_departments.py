"""Department name resolution, aliases, merging and groups (services.departments)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from foodsafety_desktop.core.errors import UserError
from foodsafety_desktop.core.services import audit
from foodsafety_desktop.core.services.departments import (
    add_alias,
    can_prefix,
    create_department,
    guess_kind,
    list_departments,
    merge_departments,
    remove_alias,
    resolve_names,
    set_group_members,
    similarity,
    suggest_duplicates,
    update_department,
)
from foodsafety_desktop.core.storage.models import (
    KIND_DEPARTMENT,
    KIND_GROUP,
    KIND_TOWNSHIP,
    ROLE_LEAD,
    ROLE_RESPONSIBLE,
    Assignment,
    Department,
    DepartmentAlias,
    GroupMember,
    Plan,
    Task,
)

USER = "测试员"


def add(session, *names: str) -> dict[str, int]:
    ids = {}
    for name in names:
        dep = Department(name=name, kind=guess_kind(name))
        session.add(dep)
        session.flush()
        ids[name] = dep.id
    return ids


def one(session, name, jurisdiction=None, **kw):
    return resolve_names(session, [name], jurisdiction, **kw)[0]


# --- guess_kind and prefix rules -------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("各乡镇政府", KIND_GROUP),
        ("各办事处", KIND_GROUP),
        ("县食安委成员单位", KIND_GROUP),
        ("县政府有关部门", KIND_GROUP),
        ("区直相关部门", KIND_GROUP),
        ("东风路办事处", KIND_TOWNSHIP),
        ("城关镇", KIND_TOWNSHIP),
        ("横涧乡", KIND_TOWNSHIP),
        ("北林路街道", KIND_TOWNSHIP),
        ("县卫健委", KIND_DEPARTMENT),
        ("市场监管局", KIND_DEPARTMENT),
        ("公安红旗分局", KIND_DEPARTMENT),
    ],
)
def test_guess_kind(name, kind):
    assert guess_kind(name) == kind


@pytest.mark.parametrize(
    "name",
    [
        "三门峡市生态环境局卢氏分局",
        "县委宣传部",
        "公安局经开分局",
        "新区海关",
        "车站海关",
        "生态环境分局",
        "公安红旗分局",
        "各乡镇政府",
        "区市场监管局",
        "县卫健委",
        "市委宣传部",
        "东风路办事处",
    ],
)
def test_names_that_carry_a_place_are_not_prefixed(name):
    assert not can_prefix(name)


@pytest.mark.parametrize("name", ["发改委", "农业农村局", "市场监管局", "城市管理局", "卫健委"])
def test_bare_names_can_be_prefixed(name):
    assert can_prefix(name)


# --- resolution -----------------------------------------------------------------------


def test_exact_and_alias(session):
    ids = add(session, "县卫健委")
    session.add(DepartmentAlias(department_id=ids["县卫健委"], alias="县卫生健康委员会"))
    session.flush()
    exact, alias = resolve_names(session, ["县卫健委", "县卫生健康委员会"], "县")
    assert (exact.match, exact.department_id, exact.canonical_name) == (
        "exact",
        ids["县卫健委"],
        "县卫健委",
    )
    assert not exact.needs_confirmation
    assert (alias.match, alias.department_id, alias.canonical_name) == (
        "alias",
        ids["县卫健委"],
        "县卫健委",
    )


def test_prefix_to_existing_department(session):
    ids = add(session, "县发改委", "县农业农村局")
    a, b = resolve_names(session, ["发改委", "农业农村局"], "县")
    assert (a.match, a.department_id, a.canonical_name) == ("prefix", ids["县发改委"], "县发改委")
    assert (b.match, b.department_id) == ("prefix", ids["县农业农村局"])
    assert a.needs_confirmation


def test_prefix_to_a_name_of_the_same_plan(session):
    res = resolve_names(session, ["县卫健委", "发改委", "县发改委"], "县")
    by = {r.written: r for r in res}
    assert by["县卫健委"].match == "new"
    assert by["县发改委"].match == "new"
    assert (by["发改委"].match, by["发改委"].department_id, by["发改委"].canonical_name) == (
        "prefix",
        None,
        "县发改委",
    )


def test_prefix_proposed_when_nothing_matches(session):
    res = one(session, "农业农村局", "县")
    assert (res.match, res.department_id, res.canonical_name) == ("prefix", None, "县农业农村局")
    assert one(session, "农业农村局", None).match == "new"


@pytest.mark.parametrize(
    "name",
    ["三门峡市生态环境局卢氏分局", "县委宣传部", "公安局经开分局", "新区海关", "各乡镇政府"],
)
def test_names_with_a_place_stay_as_written(session, name):
    res = one(session, name, "县")
    assert (res.match, res.canonical_name) == ("new", name)


def test_prefix_does_not_cross_jurisdictions(session):
    add(session, "区农业农村局")
    res = one(session, "农业农村局", "县")
    assert (res.match, res.department_id, res.canonical_name) == ("prefix", None, "县农业农村局")
    assert all(c.name != "区农业农村局" for c in res.candidates)


def test_bare_alias_of_another_jurisdiction_is_ignored(session):
    ids = add(session, "县卫健委")
    session.add(DepartmentAlias(department_id=ids["县卫健委"], alias="卫健委"))
    session.flush()
    assert one(session, "卫健委", "县").department_id == ids["县卫健委"]
    other = one(session, "卫健委", "区")
    assert (other.match, other.department_id, other.canonical_name) == ("prefix", None, "区卫健委")


@pytest.mark.parametrize(
    ("written", "existing"),
    [
        ("区场监管局", "区市场监管局"),
        ("区业农村局", "区农业农村局"),
        ("公安红旗局", "公安红旗分局"),
        ("区市场监督管理局", "区市场监管局"),
        ("业农村局", "区农业农村局"),  # prefixed first, then fuzzy
        ("市场监督管理局", "区市场监管局"),
    ],
)
def test_fuzzy_proposals_against_the_database(session, written, existing):
    ids = add(session, "区市场监管局", "区农业农村局", "公安红旗分局", "区商务局")
    res = one(session, written, "区")
    assert res.match == "fuzzy"
    assert res.department_id == ids[existing]
    assert res.canonical_name == existing
    assert res.needs_confirmation
    assert res.candidates[0].name == existing
    assert 85 <= res.candidates[0].score < 100


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("区农业农村局", "区商务局"),
        ("县农业农村局", "区农业农村局"),
        ("县教育局", "县体育局"),
        ("东风路办事处", "建设路办事处"),
        ("县民政局", "县商务局"),
    ],
)
def test_different_departments_are_not_proposed(a, b):
    assert similarity(a, b) < 85


def test_different_department_in_database_is_new(session):
    add(session, "区商务局")
    res = one(session, "区农业农村局", "区")
    assert res.match == "new"
    assert res.department_id is None


def test_equivalent_long_forms():
    assert similarity("区市场监督管理局", "区市场监管局") >= 85
    assert similarity("县卫生健康委员会", "县卫健委") >= 85
    assert similarity("县发展和改革委员会", "县发改委") >= 85
    assert similarity("市发展改革委", "市发改委") >= 85
    assert similarity("市卫生健康委", "市卫健委") >= 85


def test_fuzzy_against_other_names_of_the_plan(session):
    names = ["区市场监管局", "区农业农村局", "区场监管局", "区业农村局"]
    counts = {"区市场监管局": 5, "区农业农村局": 3, "区场监管局": 1, "区业农村局": 1}
    by = {r.written: r for r in resolve_names(session, names, "区", counts=counts)}
    assert by["区市场监管局"].match == "new"
    assert by["区农业农村局"].match == "new"
    assert (by["区场监管局"].match, by["区场监管局"].canonical_name) == ("fuzzy", "区市场监管局")
    assert by["区场监管局"].department_id is None
    assert (by["区业农村局"].match, by["区业农村局"].canonical_name) == ("fuzzy", "区农业农村局")


def test_plan_names_point_at_the_more_frequent_spelling(session):
    # The typo written more often wins; never both pointing at each other.
    res = resolve_names(
        session, ["区场监管局", "区市场监管局"], "区", counts={"区场监管局": 4, "区市场监管局": 1}
    )
    by = {r.written: r for r in res}
    assert by["区场监管局"].match == "new"
    assert (by["区市场监管局"].match, by["区市场监管局"].canonical_name) == (
        "fuzzy",
        "区场监管局",
    )


def test_results_keep_the_order_and_duplicates(session):
    res = resolve_names(session, ["县卫健委", "发改委", "县卫健委"], "县")
    assert [r.written for r in res] == ["县卫健委", "发改委", "县卫健委"]


def test_township_and_group_kinds(session):
    a, b = resolve_names(session, ["各乡镇政府", "东风路办事处"], "区")
    assert (a.kind, b.kind) == (KIND_GROUP, KIND_TOWNSHIP)
    assert (a.canonical_name, b.canonical_name) == ("各乡镇政府", "东风路办事处")


# --- management -----------------------------------------------------------------------


def make_task(session, label="（一）") -> Task:
    plan = session.scalar(select(Plan).limit(1))
    if plan is None:
        plan = Plan(title="测试方案")
        session.add(plan)
        session.flush()
    task = Task(plan_id=plan.id, position=1, label=label, title="任务", text="任务")
    session.add(task)
    session.flush()
    return task


def test_list_departments(session):
    ids = add(session, "县卫健委", "各乡镇政府", "城关镇")
    session.add(DepartmentAlias(department_id=ids["县卫健委"], alias="卫健委"))
    session.add(GroupMember(group_id=ids["各乡镇政府"], member_id=ids["城关镇"]))
    task = make_task(session)
    session.add(
        Assignment(task_id=task.id, department_id=ids["县卫健委"], role=ROLE_LEAD, position=1)
    )
    session.flush()
    rows = {r.name: r for r in list_departments(session)}
    assert rows["县卫健委"].aliases == ["卫健委"]
    assert rows["县卫健委"].task_count == 1
    assert rows["各乡镇政府"].members == ["城关镇"]
    assert rows["城关镇"].kind == KIND_TOWNSHIP


def test_update_department_and_rename(session):
    ids = add(session, "县卫健委", "县发改委")
    update_department(session, ids["县卫健委"], user=USER, name="县卫生健康委", phone=" 123 ")
    dep = session.get(Department, ids["县卫健委"])
    assert dep.name == "县卫生健康委"
    assert dep.phone == "123"
    assert [a.alias for a in dep.aliases] == ["县卫健委"]
    with pytest.raises(UserError, match="已被其他单位使用"):
        update_department(session, ids["县卫健委"], user=USER, name="县发改委")
    entries = audit.history(session, "department", ids["县卫健委"])
    assert entries[0].action == "dept.update"


def test_add_and_remove_alias(session):
    ids = add(session, "县卫健委", "县发改委")
    add_alias(session, ids["县卫健委"], "卫健委", user=USER)
    add_alias(session, ids["县卫健委"], "卫健委", user=USER)  # again: no-op
    with pytest.raises(UserError, match="别名"):
        add_alias(session, ids["县发改委"], "卫健委", user=USER)
    with pytest.raises(UserError, match="名称"):
        add_alias(session, ids["县发改委"], "县卫健委", user=USER)
    remove_alias(session, ids["县卫健委"], "卫健委", user=USER)
    assert session.scalar(select(func.count()).select_from(DepartmentAlias)) == 0
    with pytest.raises(UserError):
        remove_alias(session, ids["县卫健委"], "卫健委", user=USER)
    actions = [e.action for e in audit.history(session, "department", ids["县卫健委"])]
    assert actions == ["dept.alias_remove", "dept.alias_add"]


def test_create_department_rejects_duplicates(session):
    create_department(session, "县卫健委", user=USER)
    with pytest.raises(UserError, match="已存在"):
        create_department(session, "县卫健委", user=USER)


def test_merge_departments(session):
    ids = add(session, "区市场监管局", "区场监管局", "各办事处", "东风路办事处")
    keep, merge = ids["区市场监管局"], ids["区场监管局"]
    session.add(DepartmentAlias(department_id=merge, alias="场监管局"))
    session.get(Department, merge).phone = "0371-1"
    t1, t2 = make_task(session, "1."), make_task(session, "2.")
    session.add_all(
        [
            Assignment(task_id=t1.id, department_id=keep, role=ROLE_LEAD),
            Assignment(task_id=t1.id, department_id=merge, role=ROLE_LEAD),  # duplicate
            Assignment(task_id=t2.id, department_id=merge, role=ROLE_RESPONSIBLE),
            GroupMember(group_id=ids["各办事处"], member_id=merge),
            GroupMember(group_id=ids["各办事处"], member_id=keep),  # duplicate after merge
            GroupMember(group_id=merge, member_id=ids["东风路办事处"]),
        ]
    )
    session.flush()

    merge_departments(session, keep, merge, user=USER)

    assert session.get(Department, merge) is None
    rows = session.execute(
        select(Assignment.task_id, Assignment.department_id, Assignment.role).order_by(
            Assignment.task_id
        )
    ).all()
    assert [tuple(r) for r in rows] == [
        (t1.id, keep, ROLE_LEAD),
        (t2.id, keep, ROLE_RESPONSIBLE),
    ]
    aliases = set(
        session.scalars(select(DepartmentAlias.alias).where(DepartmentAlias.department_id == keep))
    )
    assert aliases == {"区场监管局", "场监管局"}
    pairs = {tuple(r) for r in session.execute(select(GroupMember.group_id, GroupMember.member_id))}
    assert pairs == {(ids["各办事处"], keep), (keep, ids["东风路办事处"])}
    assert session.get(Department, keep).phone == "0371-1"
    entry = audit.history(session, "department", keep)[0]
    assert entry.action == "dept.merge"
    assert "区场监管局" in entry.summary
    # The merged spelling now resolves to the kept department.
    assert resolve_names(session, ["区场监管局"], "区")[0].department_id == keep
    with pytest.raises(UserError):
        merge_departments(session, keep, keep, user=USER)


def test_set_group_members(session):
    ids = add(session, "各乡镇政府", "城关镇", "杜关镇")
    group = ids["各乡镇政府"]
    set_group_members(session, group, [ids["城关镇"], ids["杜关镇"]], user=USER)
    set_group_members(session, group, [ids["杜关镇"]], user=USER)
    rows = {r.name: r for r in list_departments(session)}
    assert rows["各乡镇政府"].members == ["杜关镇"]
    with pytest.raises(UserError):
        set_group_members(session, group, [group], user=USER)
    assert len(audit.history(session, "department", group)) == 2


def test_suggest_duplicates(session):
    add(session, "区市场监管局", "区市场监督管理局", "区商务局", "县市场监管局")
    pairs = suggest_duplicates(session)
    names = [{a.name, b.name} for a, b, _ in pairs]
    assert names == [{"区市场监管局", "区市场监督管理局"}]
