"""Functions and classes written in the notebook, kept as they were."""


def transform(v, *, offset, scale):
    # uses the notebook's scale and offset
    return v * scale + offset


class Summary:
    def __init__(self, frame):
        self.n = len(frame)

    def line(self):
        return f"{self.n} rows"
