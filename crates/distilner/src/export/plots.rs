//! PNG learning curves: training loss per step (with validation loss per epoch) and dev F1 per epoch.
use crate::train::EpochLog;
use anyhow::{anyhow, Result};
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// `losses`: (step, training loss, lr); `history`: per-epoch rows.
pub(crate) fn plot_curves(
    dir: &Path,
    title: &str,
    losses: &[(usize, f64, f64)],
    history: &[EpochLog],
) -> Result<()> {
    register_font();
    let e = |e: &dyn std::fmt::Debug| anyhow!("plot: {e:?}");
    // Each PNG is drawn to a temp file and renamed into place (a failed write leaves nothing half-drawn).
    let (tmp, fin) = (dir.join(".loss.tmp.png"), dir.join("loss.png"));
    let drawn = (|| -> Result<()> {
        let path = &tmp;
        let root = BitMapBackend::new(path, (800, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| e(&x))?;
        let max_step = losses
            .iter()
            .map(|l| l.0)
            .chain(history.iter().map(|h| h.step))
            .max()
            .unwrap_or(1)
            .max(1);
        let max_loss = losses
            .iter()
            .map(|l| l.1)
            .chain(history.iter().map(|h| h.validation_loss))
            .filter(|x| x.is_finite())
            .fold(0.1f64, f64::max);
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{title}: loss"), ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(0usize..max_step, 0f64..max_loss * 1.05)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc("step")
            .y_desc("loss")
            .draw()
            .map_err(|x| e(&x))?;
        chart
            .draw_series(LineSeries::new(losses.iter().map(|l| (l.0, l.1)), &BLUE))
            .map_err(|x| e(&x))?
            .label("training loss")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLUE));
        chart
            .draw_series(
                LineSeries::new(
                    history.iter().map(|h| (h.step, h.validation_loss)),
                    RED.stroke_width(2),
                )
                .point_size(4),
            )
            .map_err(|x| e(&x))?
            .label("validation loss (per epoch)")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], RED));
        chart
            .configure_series_labels()
            .border_style(BLACK)
            .background_style(WHITE)
            .draw()
            .map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
        Ok(())
    })();
    crate::util::commit_tmp(drawn, &tmp, &fin)?;
    let (tmp, fin) = (dir.join(".dev_f1.tmp.png"), dir.join("dev_f1.png"));
    let drawn = (|| -> Result<()> {
        let path = &tmp;
        let root = BitMapBackend::new(path, (800, 480)).into_drawing_area();
        root.fill(&WHITE).map_err(|x| e(&x))?;
        let n = history.len().max(1);
        let lo = history.iter().map(|h| h.f1).fold(1.0f64, f64::min).min(0.9) - 0.05;
        let mut chart = ChartBuilder::on(&root)
            .caption(format!("{title}: dev entity F1"), ("sans-serif", 22))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(52)
            .build_cartesian_2d(0usize..n + 1, lo.max(0.0)..1.0)
            .map_err(|x| e(&x))?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("F1")
            .draw()
            .map_err(|x| e(&x))?;
        chart
            .draw_series(
                LineSeries::new(
                    history.iter().map(|h| (h.epoch, h.f1)),
                    GREEN.stroke_width(2),
                )
                .point_size(4),
            )
            .map_err(|x| e(&x))?;
        root.present().map_err(|x| e(&x))?;
        Ok(())
    })();
    crate::util::commit_tmp(drawn, &tmp, &fin)
}
