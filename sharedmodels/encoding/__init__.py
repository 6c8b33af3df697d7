"""Text and numbers into the integers the contracts take: features, datasets, encoded slices."""
