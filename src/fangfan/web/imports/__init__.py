"""Uploads in the browser, and the background work that turns them into a run.

An export file uploaded by an office (the registry) or a line department (its feed)
replaces that feed's file in the office's current set of inputs
(`FANGFAN_HOME/inputs/current`, `inputs.InputSet`); a worker then runs import → link →
screen on the whole set and publishes the run (`processing.process_upload`). A file the
engine cannot use is refused and the current set, snapshot and run stay as they were.
"""
