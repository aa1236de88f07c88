"""The suite's shared helpers: fixtures, workflows, the recording service, the console script,
and the apps some tests run in their own process."""
