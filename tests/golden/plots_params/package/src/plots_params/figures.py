"""Figures (cells 8-10 of plots_params.ipynb)."""

import matplotlib.pyplot as plt


def run(ys):
    """Figures: the code of cells 8-10."""
    print("mean", round(float(ys.mean()), 4))


def plot(xs, ys, label):
    """The plots of Figures; the pipeline draws them only when asked."""
    fig, ax = plt.subplots()
    ax.plot(xs, ys)
    ax.set_title(label)
    fig.savefig("golden_plot.png")
    plt.hist(ys)
    plt.show()
