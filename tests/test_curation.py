"""The data curation phase from the data work, and the records pipeline's two parts, worked by hand.

Bundled assumptions (pricing/assumptions.yaml): 30 productive hours a person-week; a curation phase of at
least 2 weeks; expert writing 3 min + 3 min per 1,000 tokens, annotator 2 min, expert review 1 min + 1 min
per 1,000 tokens; records pipeline 24 h + 0.5 h per 1,000 records, a 10% review sample; LLM drafts 30%
rejected, a 16 h generation set-up; redaction check 0.5 min an example with personal data.
Fixture assumptions (tests/fixtures/prices): 20 productive hours a person-week, no minimum, a records
pipeline of 8 h and nothing per record, redaction 0.6 min an example.

The practitioners' fine-tuning guides (rule of thumb; no primary source found) give dataset curation
2-6 weeks; the bundled examples are checked against that band below.
"""

from __future__ import annotations

import pytest
from conftest import REPO, line, worked

from planner import estimate, load_scenario, scenario_from_dict
from planner.analysis.ranges import with_values
from planner.core.draws import Draws

approx = pytest.approx
PIPELINE = "Examples from records: selection pipeline"
REDACTION = "Redaction check of personal data in the examples"


def curation(result):
    """The approach's data curation phase."""
    return next(phase for phase in result.phases if phase.name == "Data curation")


def test_the_telecom_curation_phase_includes_its_personal_data_check(bundled):
    # examples/canada_telco_bilingual.yaml: 25,000 examples all from records, 800 tokens, personal data, 2 people.
    result = estimate(load_scenario(REPO / "examples" / "canada_telco_bilingual.yaml"), bundled)
    tuned = result.approaches["aws_canada"]
    # redaction: 25,000 x 0.5 min / 60 = 208.33 h
    assert line(tuned, REDACTION).quantity == approx(208.333, abs=0.001)
    # pipeline 24 + 0.5 x 25 = 36.5 h; review 25,000 x 0.1 x (1 + 1 x 0.8 = 1.8 min) / 60 = 75 h;
    # 36.5 + 75 + 208.33 = 319.83 h / (2 people x 30 h) = 5.33 weeks (the 2-week minimum does not bind)
    phase = curation(tuned)
    assert phase.weeks == approx(319.833 / 60, abs=0.001)
    assert "redaction check of personal data in the examples 208.3" in phase.basis
    assert "= 319.8)" in phase.basis and "2 people preparing data" in phase.basis
    # Without personal data the work is 36.5 + 75 = 111.5 h / 60 = 1.86 weeks: the 2-week minimum sets the phase.
    data = load_scenario(REPO / "examples" / "canada_telco_bilingual.yaml").model_dump(mode="json")
    data["operations"]["personal_data"] = False
    public = curation(estimate(scenario_from_dict(data), bundled).approaches["aws_canada"])
    assert public.weeks == approx(2.0)
    assert "= 111.5)" in public.basis and "= 1.86 weeks" in public.basis


def test_the_redaction_check_counts_in_the_fixture_curation_phase(book):
    # 500 written examples: 50 expert + 25 annotator h; personal data adds 500 x 0.6 / 60 = 5 h: 80 h / 20 h a week
    result = estimate(worked(**{"operations.personal_data": True}), book).approaches["fine_tune"]
    assert curation(result).weeks == approx(4.0)
    assert curation(result).end_week == approx(5.0)  # after 1 week of task definition
    without = estimate(worked(), book).approaches["fine_tune"]
    assert curation(without).weeks == approx(3.75)  # 75 h / 20 h


def _records_only(examples: int):
    return scenario_from_dict({"approaches": {"fine_tune": {
        "examples": examples, "example_sources": {"written": 0.0, "records": 1.0}}}})


def test_the_records_pipeline_grows_with_the_records(bundled):
    small = line(estimate(_records_only(2_000), bundled).approaches["fine_tune"], PIPELINE)
    large = line(estimate(_records_only(25_000), bundled).approaches["fine_tune"], PIPELINE)
    assert small.quantity == approx(25.0)  # 24 h + 0.5 h x 2,000 / 1,000
    assert large.quantity == approx(36.5)  # 24 h + 0.5 h x 25,000 / 1,000
    assert large.quantity - small.quantity == approx(0.5 * 23)  # only the per-record part differs
    assert small.quantity_basis == (
        "assumptions.records_pipeline_hours (24, fixed) + "
        "assumptions.records_pipeline_hours_per_thousand_records (0.5) x 2,000 records / 1,000")


def test_the_per_record_part_on_the_fixture(book):
    # 500 examples from records at 8 h + 2 h per 1,000 records: 8 + 2 x 0.5 = 9 h; without records, no line.
    scenario, priced = with_values(worked(**{"approaches.fine_tune.example_sources": {"written": 0, "records": 1}}),
                                   book, {"assumptions.records_pipeline_hours_per_thousand_records": 2.0})
    assert line(estimate(scenario, priced).approaches["fine_tune"], PIPELINE).quantity == approx(9.0)
    assert not [li for li in estimate(worked(), priced).approaches["fine_tune"].lines if li.item == PIPELINE]


def test_the_minimum_sets_the_phase_only_when_the_work_is_shorter(book):
    # 75 h of written examples (fixture) over 5 people x 20 h = 0.75 weeks, under a 1-week minimum: 1 week;
    # over 1 person, 3.75 weeks, over it: 3.75.
    many, priced = with_values(worked(**{"project.data_preparers": 5}), book,
                               {"assumptions.data_curation_min_weeks": 1.0})
    assert curation(estimate(many, priced).approaches["fine_tune"]).weeks == approx(1.0)
    one, _ = with_values(worked(), book, {})
    assert curation(estimate(one, priced).approaches["fine_tune"]).weeks == approx(3.75)
    basis = curation(estimate(many, priced).approaches["fine_tune"]).basis
    assert "= 0.75 weeks; at least assumptions.data_curation_min_weeks (1)" in basis


def test_a_range_keeps_the_minimum_value_by_value(book):
    # 100 / 500 / 5,000 written examples (fixture: 0.15 h each: 6 min expert + 3 min annotator) over 1 person
    # at 20 h a week: 0.75 / 3.75 / 37.5 weeks, with a 2-week minimum 2 / 3.75 / 37.5.
    scenario, priced = with_values(worked(), book, {"approaches.fine_tune.examples": Draws([100, 500, 5_000]),
                                                    "assumptions.data_curation_min_weeks": 2.0})
    weeks = curation(estimate(scenario, priced).approaches["fine_tune"]).weeks
    assert list(weeks) == approx([2.0, 3.75, 37.5])


# Each bundled example's fine-tuned options (their own teams), and the default scenario: the first dataset's
# data-preparation hours worked by hand, the people sharing them, and why the work alone is shorter than the
# guides' 2 weeks where it is (the 2-week minimum then sets the phase).
BUNDLED = [
    # 25,000 records of 550 tokens: pipeline 24 + 12.5 + review 2,500 x 1.55 / 60 = 64.58 + redaction 208.33
    ("agent_replies_from_records", 36.5 + 64.583 + 208.333, 2, None),
    # 25,000 records of 800 tokens: 36.5 + 2,500 x 1.8 / 60 = 75 + 208.33
    ("canada_telco_bilingual", 36.5 + 75 + 208.333, 2, None),
    # 1,200 examples of 1,100 tokens: 240 written (240 x 6.3 / 60 = 25.2 expert + 8 annotator), 600 from records
    # (24.3 pipeline + 60 x 2.1 / 60 = 2.1 review), 360 kept of 514.3 LLM drafts (16 set-up + 514.3 x 2.1 / 60
    # = 18 review), redaction 1,200 x 0.5 / 60 = 10
    ("brand_voice_self_hosted", 25.2 + 8 + 24.3 + 2.1 + 16 + 18 + 10, 2,
     "1,200 examples, half selected from records: 103.6 h is 1.7 weeks for 2 people"),
    # 2,000 records of 1,200 tokens: pipeline 25 + review 200 x 2.2 / 60 = 7.33 + redaction 16.67
    ("json_extraction", 25 + 7.333 + 16.667, 3,
     "2,000 notes already coded, selected by a pipeline: 49 h is 0.54 weeks for 3 people"),
    # 800 examples of 700 tokens: 160 written (160 x 5.1 / 60 = 13.6 + 5.33), 640 from records (24.32 + 64 x 1.7
    # / 60 = 1.81); no personal data
    ("support_assistant", 13.6 + 5.333 + 24.32 + 1.813, 2,
     "800 examples, 80% past replies from records, no personal data: 45 h is 0.75 weeks for 2 people"),
    ("support_six_options", 13.6 + 5.333 + 24.32 + 1.813, 2, "the support assistant's data (above)"),
    # 1,200 examples of 1,100 tokens: 360 written (37.8 + 12), 840 from records (24.42 + 84 x 2.1 / 60 = 2.94),
    # redaction 10
    ("uk_wealth_manager_london", 37.8 + 12 + 24.42 + 2.94 + 10, 2,
     "1,200 letters, 70% approved past letters from records: 87 h is 1.45 weeks for 2 people"),
    ("us_hospital_govcloud", 25 + 7.333 + 16.667, 3, "the same 2,000 coded notes as json_extraction"),
    # The default scenario: 1,000 written examples of 600 tokens: 1,000 x 4.8 / 60 = 80 + 33.33, one person
    ("default scenario", 80 + 33.333, 1, None),
]


@pytest.mark.parametrize(("name", "hours", "people", "below_two_weeks"), BUNDLED, ids=[row[0] for row in BUNDLED])
def test_bundled_curation_lands_in_the_guides_two_to_six_weeks(bundled, name, hours, people, below_two_weeks):
    path = REPO / "examples" / f"{name}.yaml"
    scenario = scenario_from_dict({}) if name == "default scenario" else load_scenario(path)
    result = estimate(scenario, bundled)
    tuned = [a for a in result.approaches.values() if a.kind in ("fine_tune", "hybrid")]
    assert tuned
    work_weeks = hours / (people * 30)
    # Named above exactly when the work alone is under 2 weeks.
    assert (work_weeks < 2) == (below_two_weeks is not None), (name, work_weeks)
    for approach in tuned:
        phase = curation(approach)
        # The hand count matches the planner's lines: every one-time data-preparation person-hour but the fixes
        # made after each iteration.
        first = [li for li in approach.lines if li.category == "data_preparation" and li.timing == "one_time"
                 and li.unit == "person-hours" and not li.item.startswith("Iteration fixes")]
        assert sum(li.quantity for li in first) == approx(hours, abs=0.01), approach.approach
        assert phase.weeks == approx(max(work_weeks, 2.0), abs=0.001), approach.approach
        assert 2 <= phase.weeks <= 6, approach.approach
