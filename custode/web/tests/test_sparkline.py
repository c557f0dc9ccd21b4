"""The sparkline: a fixed day of (time, value) points placed in a box, broken where no sample was taken."""

import datetime as dt

from custode.web.sparkline import HEIGHT, PAD, WIDTH, Sparkline, sparkline, svg

END = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.timezone.utc)
MINUTE = dt.timedelta(minutes=1)
GAP = 3 * MINUTE


def at(minutes_ago: float) -> dt.datetime:
    return END - minutes_ago * MINUTE


def test_the_window_is_fixed_a_day_ago_is_the_left_edge_and_now_the_right():
    line = sparkline([(at(24 * 60), 0.0), (at(12 * 60), 50.0)], end=END, gap=dt.timedelta(days=1), top=100)
    assert line.runs == (((0.0, HEIGHT - PAD), (WIDTH / 2, HEIGHT / 2)),)
    line = sparkline([(at(1), 100.0), (at(0), 100.0)], end=END, gap=GAP, top=100)
    assert line.runs == (((287.8, float(PAD)), (288.0, float(PAD))),)


def test_each_sample_is_a_point_and_a_silence_longer_than_the_gap_breaks_the_line():
    points = [(at(m), 10.0) for m in (120, 119, 118)] + [(at(m), 20.0) for m in (2, 1, 0)]
    line = sparkline(points, end=END, gap=GAP, top=100)
    assert [len(run) for run in line.runs] == [3, 3]
    assert line.runs[0][-1][0] < line.runs[1][0][0]


def test_samples_within_the_gap_are_one_line_even_with_jitter():
    line = sparkline([(at(m), 1.0) for m in (10, 8.9, 7.7, 6.6)], end=END, gap=GAP, top=4)
    assert [len(run) for run in line.runs] == [4]


def test_a_missing_value_breaks_the_line_and_points_come_in_time_order():
    line = sparkline([(at(0), 3.0), (at(2), 1.0), (at(1), None), (at(3), 2.0)], end=END, gap=GAP, top=4)
    assert [[x for x, _ in run] for run in line.runs] == [[287.4, 287.6], [288.0]]


def test_points_outside_the_day_are_left_out_and_values_over_the_top_are_drawn_at_the_top():
    points = [(at(24 * 60 + 1), 1.0), (at(-1), 1.0), (at(5), 250.0), (at(4), -3.0)]
    line = sparkline(points, end=END, gap=GAP, top=100)
    assert [y for _, y in line.runs[0]] == [float(PAD), float(HEIGHT - PAD)]
    assert len(line.runs) == 1 and len(line.runs[0]) == 2


def test_no_samples_draw_nothing_but_the_threshold():
    line = sparkline([], end=END, gap=GAP, top=100, limit=90)
    assert line.runs == () and line.limit_y == round(HEIGHT - PAD - 0.9 * (HEIGHT - 2 * PAD), 1)
    assert sparkline([], end=END, gap=GAP, top=100, limit=120).limit_y is None


def test_the_svg_has_a_polyline_per_run_a_dot_for_a_lone_sample_and_an_escaped_name():
    line = Sparkline(runs=(((0.0, 1.0), (2.0, 3.0)), ((5.0, 6.0),)), limit_y=4.0)
    markup = svg(line, label='Load <"24h">')
    assert '<polyline points="0.0,1.0 2.0,3.0"/>' in markup
    assert '<circle cx="5.0" cy="6.0" r="1.5"/>' in markup
    assert '<line class="limit" x1="0" x2="288" y1="4.0" y2="4.0"/>' in markup
    assert 'aria-label="Load &lt;&quot;24h&quot;&gt;"' in markup and "<title>Load &lt;" in markup
