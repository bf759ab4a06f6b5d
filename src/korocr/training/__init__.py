"""Training (Lightning modules, one Trainer set-up, run directories). ``korocr train`` parses its flags in
:mod:`korocr.cli.train` and calls :func:`korocr.training.train.run`; data modules live in :mod:`korocr.data`."""
