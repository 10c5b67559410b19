"""What optout writes for people: the HTML report and the step-by-step guides."""

# The formats a guide is written in.
FORMATS = ("md", "html")
