"""Integer and float reference models: every contract's arithmetic, mirrored exactly in Python."""
