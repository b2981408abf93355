use distilner::train::dist::Dist;
fn main() -> anyhow::Result<()> {
    let d = Dist::from_env(tch::Device::Cpu, 30)?.expect("run under torchrun");
    let s = d.shared(4, tch::Kind::Float, tch::Device::Cpu)?;
    let _ = s.tensor.shallow_clone().fill_((d.rank() + 1) as f64);
    d.all_reduce(&s)?;
    println!(
        "rank {} sum {:?}",
        d.rank(),
        Vec::<f32>::try_from(&s.tensor)?
    );
    d.agree("settings", "a\nlr = 1")?;
    println!("{:?}", d.gather_json(&serde_json::json!(d.rank()))?);
    Ok(())
}
