//! The report as HTML with SVG charts drawn by plotters (the command line only).

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{render_text, Report, Week};

/// The x-axis label of week `i` ("24 Nov"), shared by the charts.
fn week_label(weeks: &[Week], i: u32) -> String {
    weeks
        .get(i as usize)
        .map(|w| {
            // The weeks a boundary version went live, marked on every chart.
            let marks: String = w.versions.iter().map(|v| format!(" v{v}")).collect();
            format!("{}{marks}", w.start.format("%d %b"))
        })
        .unwrap_or_default()
}

const PALETTE: [RGBColor; 12] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
    RGBColor(0x39, 0x3b, 0x79),
    RGBColor(0xad, 0x49, 0x4a),
];

/// An SVG of `size` on a white background, drawn by `draw`.
fn svg(
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), String>,
) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        draw(&root)?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A chart with the report's caption style and label areas.
fn chart_builder<'a, 'b>(
    root: &'a DrawingArea<SVGBackend<'b>, Shift>,
    caption: &str,
) -> ChartBuilder<'a, 'b, SVGBackend<'b>> {
    let mut builder = ChartBuilder::on(root);
    builder
        .caption(caption, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(40);
    builder
}

/// The legend, boxed, in the corner.
fn legend<'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, SVGBackend<'a>, CT>,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .border_style(BLACK)
        .background_style(WHITE.mix(0.8))
        .draw()
        .map_err(|e| e.to_string())
}

fn escalations_chart(r: &Report) -> Result<String, String> {
    svg((760, 360), |root| {
        let max = r
            .weeks
            .iter()
            .map(|w| w.escalations)
            .max()
            .unwrap_or(0)
            .max(1);
        let n = r.weeks.len().max(1) as u32;
        let mut chart = chart_builder(root, "Escalations per week, by reason")
            .build_cartesian_2d(0u32..n, 0u64..max + max / 5 + 1)
            .map_err(|e| e.to_string())?;
        let weeks = r.weeks.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(weeks.len())
            .x_label_formatter(&|i| week_label(&weeks, *i))
            .y_desc("escalations")
            .draw()
            .map_err(|e| e.to_string())?;
        for (ri, reason) in r.reasons.iter().enumerate() {
            let color = PALETTE[ri % PALETTE.len()];
            let bars: Vec<Rectangle<(u32, u64)>> = r
                .weeks
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let below: u64 = r.reasons[..ri]
                        .iter()
                        .map(|x| w.by_reason.get(x).copied().unwrap_or(0))
                        .sum();
                    let mine = w.by_reason.get(reason).copied().unwrap_or(0);
                    Rectangle::new(
                        [(i as u32, below), (i as u32 + 1, below + mine)],
                        color.filled(),
                    )
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(|e| e.to_string())?
                .label(reason.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled())
                });
        }
        legend(&mut chart)
    })
}

fn answered_chart(r: &Report) -> Result<String, String> {
    svg((760, 320), |root| {
        let max = r
            .weeks
            .iter()
            .map(|w| w.answers.max(w.escalations))
            .max()
            .unwrap_or(0)
            .max(1);
        let n = r.weeks.len().max(1) as u32;
        let mut chart = chart_builder(root, "Answered by the bot vs escalated")
            .build_cartesian_2d(0u32..n, 0u64..max + max / 5 + 1)
            .map_err(|e| e.to_string())?;
        let weeks = r.weeks.clone();
        chart
            .configure_mesh()
            .x_labels(weeks.len())
            .x_label_formatter(&|i| week_label(&weeks, *i))
            .draw()
            .map_err(|e| e.to_string())?;
        let answered: Vec<(u32, u64)> = r
            .weeks
            .iter()
            .enumerate()
            .map(|(i, w)| (i as u32, w.answers))
            .collect();
        let escalated: Vec<(u32, u64)> = r
            .weeks
            .iter()
            .enumerate()
            .map(|(i, w)| (i as u32, w.escalations))
            .collect();
        chart
            .draw_series(LineSeries::new(answered, PALETTE[2].stroke_width(3)))
            .map_err(|e| e.to_string())?
            .label("answered")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 12, y)], PALETTE[2].stroke_width(3))
            });
        chart
            .draw_series(LineSeries::new(escalated, PALETTE[3].stroke_width(3)))
            .map_err(|e| e.to_string())?
            .label("escalated")
            .legend(|(x, y)| {
                PathElement::new(vec![(x, y), (x + 12, y)], PALETTE[3].stroke_width(3))
            });
        legend(&mut chart)
    })
}

/// The boundary moving: the weekly share answered by the bot, and the share of the bot's answers
/// that people marked wrong when they took over (weeks with no verdict have no point).
fn boundary_chart(r: &Report) -> Result<String, String> {
    svg((760, 320), |root| {
        let n = r.weeks.len().max(1) as u32;
        let mut chart = chart_builder(
            root,
            "Share answered by the bot, and of its answers marked wrong",
        )
        .build_cartesian_2d(0u32..n, 0f64..100f64)
        .map_err(|e| e.to_string())?;
        let weeks = r.weeks.clone();
        chart
            .configure_mesh()
            .x_labels(weeks.len())
            .x_label_formatter(&|i| week_label(&weeks, *i))
            .y_desc("%")
            .draw()
            .map_err(|e| e.to_string())?;
        let series = |f: fn(&Week) -> Option<f64>| -> Vec<(u32, f64)> {
            r.weeks
                .iter()
                .enumerate()
                .filter_map(|(i, w)| f(w).map(|p| (i as u32, p)))
                .collect()
        };
        for (label, points, color) in [
            (
                "answered by the bot",
                series(Week::answered_percent),
                PALETTE[2],
            ),
            (
                "answers marked wrong",
                series(Week::wrong_percent),
                PALETTE[3],
            ),
        ] {
            chart
                .draw_series(LineSeries::new(points.clone(), color.stroke_width(3)))
                .map_err(|e| e.to_string())?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 12, y)], color.stroke_width(3))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 4, color.filled())),
                )
                .map_err(|e| e.to_string())?;
        }
        legend(&mut chart)
    })
}

/// The report as a self-contained HTML page with three SVG charts.
pub fn render_html(r: &Report) -> Result<String, String> {
    let text = html_escape::encode_text(&render_text(r)).to_string();
    Ok(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Handoff report</title>\
<style>body{{font:15px/1.4 system-ui,sans-serif;max-width:820px;margin:1rem auto;padding:0 1rem}}pre{{background:#f6f6f6;padding:.8rem;overflow:auto}}</style></head>\
<body><h1>Handoff report</h1><figure class=\"chart\" id=\"escalations\">{}</figure><figure class=\"chart\" id=\"answered\">{}</figure><figure class=\"chart\" id=\"boundary\">{}</figure><pre>{}</pre></body></html>",
        escalations_chart(r)?,
        answered_chart(r)?,
        boundary_chart(r)?,
        text
    ))
}
