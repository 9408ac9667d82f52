"""Trained models, each a versioned folder with its model card, and their safe loading."""
