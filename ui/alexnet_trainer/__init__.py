"""The AlexNet trainer page's views: state and its binding (`state`), the sidebar (`sidebar`), runs as
the viewer's jobs and the comparison of past runs (`runs`), the live run panel (`live`), the curves it
folds from the run's events (`live_run`), its figures (`charts`) and the test-set panel (`results`)."""
