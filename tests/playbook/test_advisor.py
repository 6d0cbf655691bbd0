"""The model advisor: what a seller's answers recommend, and why."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tracker.playbook.advisor import (
    AdvisorRules,
    AnswerError,
    advise,
    load_advisor_rules,
    market_note,
    parse_answers,
)
from tracker.playbook.seeds import SeedError

ADVISOR_SEED = Path(__file__).parents[2] / "seeds" / "advisor.toml"
GUIDES = Path(__file__).parents[3] / "shared" / "guides"

# Who the guide describes: a seasoned, funded team that wants its own brand and
# its own customers, and a supply-focused newcomer that wants the platform to sell.
BRAND_BUILDER = {
    "abilities": 5,
    "financial_backing": True,
    "brand_goal": True,
    "values_interaction": True,
    "bulk_sales": False,
    "accepts_higher_cost": True,
    "new_to_cross_border": False,
    "content_capacity": True,
}
SUPPLY_NEWCOMER = {
    "abilities": 0,
    "financial_backing": False,
    "brand_goal": False,
    "values_interaction": False,
    "bulk_sales": True,
    "accepts_higher_cost": False,
    "new_to_cross_border": True,
    "content_capacity": False,
}

# Test inputs for market_note, shaped like what the guides list.
OFFERED_IN = {
    "pop": ["SG", "TH", "VN", "MY", "PH", "US"],
    "full_managed": ["US", "UK", "SA"],
}
MARKET_NAMES = {"US": "United States", "UK": "United Kingdom", "TH": "Thailand", "DE": "Germany"}
MODEL_NAMES = {"pop": "Self-operated (POP)", "full_managed": "Fully managed"}


@pytest.fixture(scope="module")
def rules() -> AdvisorRules:
    """Load the advisor rules the product ships."""
    return load_advisor_rules(ADVISOR_SEED)


def possible_answers(rules: AdvisorRules, key: str) -> list[bool | int]:
    """List every valid answer to one question."""
    question = rules.question(key)
    if question.kind == "bool":
        return [True, False]
    return list(range(question.minimum, question.maximum + 1))


def answer_sets(rules: AdvisorRules) -> st.SearchStrategy[dict[str, bool | int]]:
    """Generate answer sets in which any question may be left unanswered."""
    return st.fixed_dictionaries(
        {},
        optional={key: st.sampled_from(possible_answers(rules, key)) for key in rules.answer_keys},
    )


# --- recommendations --------------------------------------------------------


def test_weak_abilities_and_new_to_cross_border_recommend_full_managed(rules):
    advice = advise(parse_answers({"abilities": 1, "new_to_cross_border": True}, rules), rules)

    assert advice.recommended == "full_managed"
    assert not advice.tie
    assert [reason.answer for reason in advice.reasons] == ["abilities", "new_to_cross_border"]
    assert {reason.favours for reason in advice.reasons} == {"full_managed"}
    assert all(reason.weight > 0 for reason in advice.reasons)


def test_a_brand_builder_is_recommended_pop_for_every_reason(rules):
    advice = advise(parse_answers(BRAND_BUILDER, rules), rules)

    assert advice.recommended == "pop"
    assert advice.scores["full_managed"] == 0
    assert [reason.favours for reason in advice.reasons] == ["pop"] * len(BRAND_BUILDER)
    assert advice.deciding_questions == ()


def test_a_supply_focused_newcomer_is_recommended_full_managed_for_every_reason(rules):
    advice = advise(parse_answers(SUPPLY_NEWCOMER, rules), rules)

    assert advice.recommended == "full_managed"
    assert advice.scores["pop"] == 0
    assert [reason.favours for reason in advice.reasons] == ["full_managed"] * len(SUPPLY_NEWCOMER)


# The guide's "How to choose?, 1": self-operation suits a team that masters the supply chain
# *and* has money behind it; without those, full management. Wishes choose between the
# models a team can run; they never outweigh missing abilities.


def test_wishes_never_outweigh_missing_abilities(rules):
    answers = {
        "abilities": 0,
        "financial_backing": False,
        "brand_goal": True,
        "content_capacity": True,
    }
    advice = advise(parse_answers(answers, rules), rules)

    assert advice.recommended == "full_managed"
    assert advice.scores["pop"] == 0
    wishes = {r.answer: r for r in advice.reasons if r.favours == "pop"}
    assert set(wishes) == {"brand_goal", "content_capacity"}
    for reason in wishes.values():
        assert reason.weight == 0
        assert "does not count" in reason.note


@pytest.mark.parametrize(
    "needs",
    [{"abilities": 2, "financial_backing": True}, {"abilities": 5, "financial_backing": False}],
)
def test_without_the_abilities_or_the_money_no_wish_makes_it_pop(rules, needs):
    every_wish = {
        "brand_goal": True,
        "values_interaction": True,
        "bulk_sales": False,
        "accepts_higher_cost": True,
        "new_to_cross_border": False,
        "content_capacity": True,
    }
    advice = advise(parse_answers(needs | every_wish, rules), rules)

    assert advice.recommended == "full_managed"
    assert advice.deciding_questions == ()


def test_wishes_choose_between_models_the_team_can_run(rules):
    able = {"abilities": 5, "financial_backing": True}
    volume = advise(
        parse_answers(
            able | {"bulk_sales": True, "accepts_higher_cost": False, "content_capacity": False},
            rules,
        ),
        rules,
    )
    brand = advise(
        parse_answers(able | {"brand_goal": True, "content_capacity": True}, rules), rules
    )

    assert volume.recommended == "full_managed"
    assert brand.recommended == "pop"


def test_new_to_cross_border_counts_only_together_with_missing_abilities(rules):
    weak = advise({"abilities": 1, "new_to_cross_border": True}, rules)
    able = advise({"abilities": 5, "financial_backing": True, "new_to_cross_border": True}, rules)
    alone = advise({"new_to_cross_border": True}, rules)

    assert weak.reasons[-1].weight > 0 and weak.reasons[-1].favours == "full_managed"
    assert able.recommended == "pop"
    assert able.reasons[-1].answer == "new_to_cross_border"
    assert able.reasons[-1].weight == 0 and able.reasons[-1].note
    assert alone.recommended is None


def test_no_answer_recommends_nothing_and_names_the_deciding_questions(rules):
    advice = advise({}, rules)

    assert advice.recommended is None
    assert not advice.tie
    assert advice.scores == {"pop": 0, "full_managed": 0}
    assert advice.deciding_questions[:2] == ("abilities", "financial_backing")
    assert set(advice.deciding_questions) == set(rules.answer_keys)
    shown = advice.to_json()
    assert shown["recommended"] is None
    assert shown["deciding_questions"][:2] == ["abilities", "financial_backing"]


def test_wishes_without_the_abilities_answered_say_which_questions_decide(rules):
    advice = advise({"brand_goal": True, "content_capacity": True}, rules)

    assert advice.recommended == "pop"
    assert advice.deciding_questions[:2] == ("abilities", "financial_backing")


def test_every_answer_explains_itself(rules):
    for key in rules.answer_keys:
        for value in possible_answers(rules, key):
            advice = advise({key: value}, rules)

            assert len(advice.reasons) == 1, (key, value)
            (reason,) = advice.reasons
            assert reason.answer == key
            assert reason.why.strip() and reason.source.strip()
            assert reason.weight > 0 or reason.note, (key, value)
            assert advice.scores[reason.favours] == reason.weight


def test_each_yes_no_answer_leans_one_way_and_its_opposite_the_other(rules):
    for key in rules.answer_keys:
        if rules.question(key).kind != "bool":
            continue
        (yes,) = advise({key: True}, rules).reasons
        (no,) = advise({key: False}, rules).reasons
        assert yes.favours != no.favours, key


def test_more_abilities_never_lean_further_towards_full_managed(rules):
    def lean_to_pop(count: int) -> int:
        scores = advise({"abilities": count}, rules).scores
        return scores["pop"] - scores["full_managed"]

    leans = [lean_to_pop(count) for count in possible_answers(rules, "abilities")]
    assert leans == sorted(leans)
    assert leans[0] < 0 < leans[-1]


def test_reasons_follow_the_questionnaire_order(rules):
    reversed_answers = dict(reversed(list(BRAND_BUILDER.items())))

    advice = advise(parse_answers(reversed_answers, rules), rules)

    assert [reason.answer for reason in advice.reasons] == list(rules.answer_keys)


def test_missing_answers_weigh_nothing(rules):
    nothing = advise(parse_answers({}, rules), rules)
    one = advise(parse_answers({"brand_goal": True}, rules), rules)
    one_and_nulls = advise(
        parse_answers({"brand_goal": True, "abilities": None, "bulk_sales": None}, rules), rules
    )

    assert nothing.scores == {"pop": 0, "full_managed": 0}
    assert nothing.reasons == ()
    assert one_and_nulls == one
    assert sum(one.scores.values()) == one.reasons[0].weight


def test_a_null_answer_is_left_out_of_the_answers(rules):
    assert parse_answers({"abilities": None, "brand_goal": False}, rules) == {"brand_goal": False}


def test_equal_scores_are_a_tie_that_goes_to_full_managed(rules):
    @given(answer_sets(rules))
    def check(answers):
        advice = advise(answers, rules)
        level = advice.scores["pop"] == advice.scores["full_managed"] > 0
        assert advice.tie == level
        if level:
            assert advice.recommended == rules.tie.favours == "full_managed"

    check()
    # A team that can run either, pulled both ways as hard.
    able = {"abilities": 4, "financial_backing": True, "bulk_sales": True}
    assert advise(able, rules).tie


def test_scores_are_the_sum_of_the_reasons_and_the_higher_score_wins(rules):
    @given(answer_sets(rules))
    def check(answers):
        advice = advise(answers, rules)

        for model, score in advice.scores.items():
            assert score == sum(r.weight for r in advice.reasons if r.favours == model)
        assert len(advice.reasons) == len(answers)
        if sum(advice.scores.values()) == 0:
            assert advice.recommended is None
        elif not advice.tie:
            loser = "pop" if advice.recommended == "full_managed" else "full_managed"
            assert advice.scores[advice.recommended] > advice.scores[loser]

    check()


def test_a_team_without_the_abilities_or_money_is_never_told_pop(rules):
    @given(answer_sets(rules))
    def check(answers):
        advice = advise(answers, rules)
        lacking = answers.get("abilities", 5) < 4 or answers.get("financial_backing") is False
        if lacking:
            assert advice.recommended == "full_managed"

    check()


def test_advice_does_not_depend_on_the_order_answers_arrive_in(rules):
    @given(answer_sets(rules), st.randoms())
    def check(answers, random):
        shuffled = list(answers.items())
        random.shuffle(shuffled)

        assert advise(dict(shuffled), rules) == advise(answers, rules)

    check()


def test_advice_json_has_the_promised_shape(rules):
    advice = advise(parse_answers(SUPPLY_NEWCOMER, rules), rules)

    shown = json.loads(json.dumps(advice.to_json()))

    assert set(shown) == {"recommended", "scores", "reasons", "tie", "deciding_questions"}
    assert shown["recommended"] == "full_managed"
    assert set(shown["scores"]) == {"pop", "full_managed"}
    assert shown["tie"] is False
    assert [reason["answer"] for reason in shown["reasons"]] == list(SUPPLY_NEWCOMER)
    for reason in shown["reasons"]:
        assert set(reason) == {"answer", "favours", "why", "source", "weight"}


def test_a_reason_that_does_not_count_says_why_in_its_json(rules):
    advice = advise({"abilities": 0, "brand_goal": True}, rules)

    brand = advice.to_json()["reasons"][1]
    assert brand["weight"] == 0
    assert "does not count" in brand["note"]


def test_advice_json_carries_a_market_note_only_when_given(rules):
    advice = advise({}, rules)

    assert "market_note" not in advice.to_json()
    assert advice.to_json(market_note="Not offered here.")["market_note"] == "Not offered here."


def test_no_market_note_without_a_recommendation(rules):
    assert market_note(advise({}, rules), "TH", OFFERED_IN, MARKET_NAMES, MODEL_NAMES) is None


# --- answers a seller sends ---------------------------------------------------


def test_unknown_answer_key_is_refused_by_name(rules):
    with pytest.raises(AnswerError) as caught:
        parse_answers({"brand_goal": True, "budget": 3}, rules)

    assert caught.value.key == "budget"
    assert str(caught.value).startswith("answers.budget: unknown answer")
    for key in rules.answer_keys:
        assert key in caught.value.message


def test_a_bool_is_not_a_count(rules):
    with pytest.raises(AnswerError) as caught:
        parse_answers({"abilities": True}, rules)

    assert caught.value.key == "abilities"
    assert str(caught.value) == "answers.abilities: expected a whole number from 0 to 5, got true"


def test_a_number_is_not_a_yes_or_no(rules):
    with pytest.raises(AnswerError) as caught:
        parse_answers({"content_capacity": 1}, rules)

    assert str(caught.value) == "answers.content_capacity: expected true or false, got 1"


@pytest.mark.parametrize("value", ["x", 6, -1, 2.5, [3]])
def test_abilities_must_be_a_whole_number_from_0_to_5(rules, value):
    with pytest.raises(AnswerError) as caught:
        parse_answers({"abilities": value}, rules)

    assert str(caught.value) == (
        f"answers.abilities: expected a whole number from 0 to 5, got {json.dumps(value)}"
    )


def test_a_text_yes_is_not_a_yes(rules):
    with pytest.raises(AnswerError) as caught:
        parse_answers({"brand_goal": "yes"}, rules)

    assert str(caught.value) == 'answers.brand_goal: expected true or false, got "yes"'


@pytest.mark.parametrize("raw", [[], "pop", 3, None])
def test_answers_must_be_a_json_object(rules, raw):
    with pytest.raises(AnswerError) as caught:
        parse_answers(raw, rules)

    assert caught.value.key is None
    assert str(caught.value).startswith("answers: expected a JSON object of answers, got ")


def test_an_answer_error_is_a_value_error(rules):
    with pytest.raises(ValueError, match=r"^answers\.bulk_sales: "):
        parse_answers({"bulk_sales": "no"}, rules)


# --- the market check --------------------------------------------------------


def test_market_note_names_the_alternative(rules):
    advice = advise(parse_answers(BRAND_BUILDER, rules), rules)

    note = market_note(advice, "UK", OFFERED_IN, MARKET_NAMES, MODEL_NAMES)

    assert note is not None
    assert note.startswith("Self-operated (POP) is not offered in United Kingdom")
    assert "according to the guides" in note
    assert "Fully managed" in note


def test_no_market_note_where_the_recommended_model_is_offered(rules):
    pop = advise(parse_answers(BRAND_BUILDER, rules), rules)
    full_managed = advise(parse_answers(SUPPLY_NEWCOMER, rules), rules)

    assert market_note(pop, "TH", OFFERED_IN, MARKET_NAMES, MODEL_NAMES) is None
    assert market_note(full_managed, "US", OFFERED_IN, MARKET_NAMES, MODEL_NAMES) is None


def test_market_note_says_when_neither_model_is_listed(rules):
    advice = advise(parse_answers(SUPPLY_NEWCOMER, rules), rules)

    note = market_note(advice, "DE", OFFERED_IN, MARKET_NAMES, MODEL_NAMES)

    assert note is not None
    assert note.startswith("Fully managed is not offered in Germany according to the guides")
    assert "neither" in note
    assert "Self-operated (POP)" in note


def test_market_note_for_full_managed_in_thailand_points_to_pop(rules):
    advice = advise(parse_answers(SUPPLY_NEWCOMER, rules), rules)

    note = market_note(advice, "TH", OFFERED_IN, MARKET_NAMES, MODEL_NAMES)

    assert note is not None
    assert "Thailand" in note
    assert "Self-operated (POP) is" in note
    assert "neither" not in note


# --- the seed file -----------------------------------------------------------

SOURCE = re.compile(r"^(?P<guide>[a-z0-9-]+): (?P<heading>.+?)(?:, (?P<item>\d+))?$")


def all_sources() -> list[str]:
    raw = tomllib.loads(ADVISOR_SEED.read_text(encoding="utf-8"))
    sources = [raw["tie"]["source"]]
    for question in raw["questions"].values():
        sources.extend(outcome["source"] for outcome in question["outcomes"])
    return sources


def test_every_source_names_a_real_heading_of_the_guide():
    if not GUIDES.is_dir():
        pytest.skip(f"the guides are not beside this repository ({GUIDES})")
    for source in all_sources():
        found = SOURCE.match(source)
        assert found, f"{source!r} does not read '<guide>: <heading>[, N]'"
        guide = GUIDES / f"{found['guide']}.txt"
        assert guide.is_file(), f"{source!r}: no guide {guide.name}"
        lines = [line.rstrip() for line in guide.read_text(encoding="utf-8").splitlines()]
        assert found["heading"] in lines, f"{source!r}: no such heading in {guide.name}"
        if found["item"]:
            after = lines[lines.index(found["heading"]) + 1 :]
            assert any(line.startswith(f"{found['item']}. ") for line in after), (
                f"{source!r}: no item {found['item']} after that heading"
            )


def test_no_reason_pastes_a_sentence_of_the_guide():
    if not GUIDES.is_dir():
        pytest.skip(f"the guides are not beside this repository ({GUIDES})")

    def words(text: str) -> list[str]:
        return re.findall(r"[a-z0-9']+", text.lower().replace("’", "'"))

    guide = words((GUIDES / "self-operated-vs-fully-managed.txt").read_text(encoding="utf-8"))
    run = 6  # six words in a row from the guide is copying, not paraphrase
    copied = {tuple(guide[i : i + run]) for i in range(len(guide) - run + 1)}
    raw = tomllib.loads(ADVISOR_SEED.read_text(encoding="utf-8"))
    whys = [raw["tie"]["why"]] + [
        outcome["why"] for question in raw["questions"].values() for outcome in question["outcomes"]
    ]
    for why in whys:
        said = words(why)
        pasted = [said[i : i + run] for i in range(len(said) - run + 1)]
        assert not [p for p in pasted if tuple(p) in copied], why


def test_every_question_reads_as_a_question(rules):
    for question in rules.questions:
        assert question.text.endswith("?"), question.key


# --- a broken seed file is refused at load ------------------------------------


def write_seed(tmp_path: Path, raw: dict[str, Any]) -> Path:
    """Write the advisor seed ``raw`` as TOML under tmp_path/seeds."""
    lines: list[str] = []

    def scalars(table: dict[str, Any]) -> None:
        for name, value in table.items():
            if not isinstance(value, list | dict):
                # JSON strings, numbers and true/false are valid TOML values too.
                lines.append(f"{name} = {json.dumps(value)}")

    for key, question in raw.get("questions", {}).items():
        lines.append(f"[questions.{key}]")
        scalars(question)
        for outcome in question.get("outcomes", []):
            lines.append(f"[[questions.{key}.outcomes]]")
            scalars(outcome)
    if "tie" in raw:
        lines.append("[tie]")
        scalars(raw["tie"])
    if "pop_needs" in raw:
        lines.append("[pop_needs]")
        scalars(raw["pop_needs"])
        lines.append("[pop_needs.answers]")
        for key, condition in raw["pop_needs"].get("answers", {}).items():
            inline = ", ".join(f"{name} = {json.dumps(value)}" for name, value in condition.items())
            lines.append(f"{key} = {{ {inline} }}")
    path = tmp_path / "seeds" / "advisor.toml"
    path.parent.mkdir(exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def seed() -> dict[str, Any]:
    """Give a fresh copy of the shipped advisor seed to break."""
    return tomllib.loads(ADVISOR_SEED.read_text(encoding="utf-8"))


def refusal(tmp_path: Path, raw: dict[str, Any]) -> str:
    with pytest.raises(SeedError) as caught:
        load_advisor_rules(write_seed(tmp_path, raw))
    return str(caught.value)


def test_the_shipped_seed_survives_being_rewritten(tmp_path, seed, rules):
    # Guards the tests below: a refusal there is the breakage, not the writer.
    assert load_advisor_rules(write_seed(tmp_path, seed)) == rules


def test_an_unknown_field_is_refused(tmp_path, seed):
    seed["questions"]["brand_goal"]["outcomes"][0]["colour"] = "red"

    message = refusal(tmp_path, seed)

    assert message.startswith("seeds/advisor.toml: entry 'brand_goal'")
    assert "field 'outcomes.0.colour': unknown field" in message


def test_a_missing_field_is_refused(tmp_path, seed):
    del seed["questions"]["abilities"]["outcomes"][1]["why"]

    message = refusal(tmp_path, seed)

    assert message.startswith("seeds/advisor.toml: entry 'abilities'")
    assert "field 'outcomes.1.why': missing" in message


def test_a_model_that_does_not_exist_is_refused(tmp_path, seed):
    seed["questions"]["bulk_sales"]["outcomes"][0]["favours"] = "self_run"

    message = refusal(tmp_path, seed)

    assert "entry 'bulk_sales'" in message
    assert "favours" in message
    assert "'self_run'" in message


def test_a_yes_no_question_with_a_count_condition_is_refused(tmp_path, seed):
    outcome = seed["questions"]["values_interaction"]["outcomes"][0]
    del outcome["when"]
    outcome["at_least"] = 1

    message = refusal(tmp_path, seed)

    assert "entry 'values_interaction'" in message
    assert "yes/no question" in message
    assert "at_least" in message


def test_a_count_question_with_a_yes_no_condition_is_refused(tmp_path, seed):
    seed["questions"]["abilities"]["outcomes"][0]["when"] = True

    message = refusal(tmp_path, seed)

    assert "entry 'abilities'" in message
    assert "count question" in message
    assert "`when`" in message


def test_overlapping_count_outcomes_are_refused(tmp_path, seed):
    outcomes = seed["questions"]["abilities"]["outcomes"]
    for outcome in outcomes:
        outcome.pop("at_least", None)
        outcome.pop("at_most", None)
    # The first two now both claim every count from 0 to 2.
    outcomes[0]["at_most"] = 2
    outcomes[1]["at_most"] = 2
    outcomes[2]["at_least"] = 3
    outcomes[2]["at_most"] = 4
    outcomes[3]["at_least"] = 5

    message = refusal(tmp_path, seed)

    assert "entry 'abilities'" in message
    assert "outcomes overlap at 0 (outcomes.0 and outcomes.1), 1" in message


def test_a_count_outside_the_question_range_is_refused(tmp_path, seed):
    outcomes = seed["questions"]["abilities"]["outcomes"]
    for outcome in outcomes:
        outcome.pop("at_least", None)
        outcome.pop("at_most", None)
    outcomes[0]["at_most"] = 2
    outcomes[1]["at_least"] = 3
    outcomes[1]["at_most"] = 3
    outcomes[2]["at_least"] = 4
    outcomes[2]["at_most"] = 4
    outcomes[3]["at_least"] = 6

    message = refusal(tmp_path, seed)

    assert message == (
        "seeds/advisor.toml: entry 'abilities': "
        "field 'outcomes.3': at_least 6 is outside the question's range 0 to 5"
    )


def test_a_gap_in_the_counts_is_named(tmp_path, seed):
    outcomes = seed["questions"]["abilities"]["outcomes"]
    for outcome in outcomes:
        outcome.pop("at_least", None)
        outcome.pop("at_most", None)
    outcomes[0]["at_most"] = 1
    outcomes[1]["at_least"] = 3
    outcomes[1]["at_most"] = 3
    outcomes[2]["at_least"] = 4
    outcomes[2]["at_most"] = 4
    outcomes[3]["at_least"] = 5

    message = refusal(tmp_path, seed)

    assert message == "seeds/advisor.toml: entry 'abilities': no outcome covers 2"


def test_a_yes_no_question_must_score_both_answers(tmp_path, seed):
    outcomes = seed["questions"]["financial_backing"]["outcomes"]
    outcomes[:] = [outcome for outcome in outcomes if outcome["when"] is True]

    message = refusal(tmp_path, seed)

    assert (
        message == "seeds/advisor.toml: entry 'financial_backing': no outcome for the answer false"
    )


def test_an_answer_scored_twice_is_refused(tmp_path, seed):
    outcomes = seed["questions"]["financial_backing"]["outcomes"]
    outcomes.append(dict(outcomes[0]))

    message = refusal(tmp_path, seed)

    assert "entry 'financial_backing'" in message
    assert "a second outcome for" in message


@pytest.mark.parametrize("weight", [0, -2])
def test_a_weight_below_one_is_refused(tmp_path, seed, weight):
    seed["questions"]["content_capacity"]["outcomes"][1]["weight"] = weight

    message = refusal(tmp_path, seed)

    assert "entry 'content_capacity'" in message
    assert f"field 'outcomes.1.weight': must be at least 1, got {weight}" in message


def test_a_fractional_weight_is_refused(tmp_path, seed):
    seed["questions"]["content_capacity"]["outcomes"][1]["weight"] = 1.5

    assert "field 'outcomes.1.weight': must be a whole number" in refusal(tmp_path, seed)


def test_a_source_without_its_guide_is_refused(tmp_path, seed):
    seed["questions"]["brand_goal"]["outcomes"][0]["source"] = "How to choose?"

    message = refusal(tmp_path, seed)

    assert "entry 'brand_goal'" in message
    assert "field 'outcomes.0.source': must read '<guide>: <section heading>'" in message


def test_a_promised_answer_cannot_be_dropped(tmp_path, seed):
    del seed["questions"]["content_capacity"]

    message = refusal(tmp_path, seed)

    assert message.startswith("seeds/advisor.toml: entry 'content_capacity': missing")


def test_what_pop_needs_must_name_a_question_of_the_right_kind(tmp_path, seed):
    seed["pop_needs"]["answers"]["financial_backing"] = {"at_least": 1}
    assert refusal(tmp_path, seed) == (
        "seeds/advisor.toml: entry 'pop_needs': field 'answers.financial_backing': "
        "a yes/no question takes `when = true|false`"
    )
    seed["pop_needs"]["answers"] = {"budget": {"when": True}}
    assert "no question 'budget'" in refusal(tmp_path, seed)


def test_an_outcome_that_may_not_count_must_say_why(tmp_path, seed):
    del seed["questions"]["new_to_cross_border"]["outcomes"][0]["why_not_counted"]
    message = refusal(tmp_path, seed)
    assert message.startswith("seeds/advisor.toml: entry 'new_to_cross_border'")
    assert "needs `why_not_counted`" in message


def test_a_tie_for_an_unknown_model_is_refused(tmp_path, seed):
    seed["tie"]["favours"] = "both"

    message = refusal(tmp_path, seed)

    assert "entry 'tie'" in message
    assert "'both'" in message


def test_a_missing_seed_file_is_named(tmp_path):
    with pytest.raises(SeedError, match=r"advisor\.toml: file not found"):
        load_advisor_rules(tmp_path / "seeds" / "advisor.toml")
