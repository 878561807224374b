"""Rectification (整改销号): every problem anyone finds, closed with proof and checked again (issue 15)."""
