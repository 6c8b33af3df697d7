"""The articles' incentive simulations on a real chain: presets, the trainer and market runs,
and their outputs."""
