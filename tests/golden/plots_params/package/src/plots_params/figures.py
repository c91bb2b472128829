"""Figures (cells 8-10 of plots_params.ipynb)."""


def run(ys):
    """Figures: the code of cells 8-10."""
    # (notebook cell 9)
    print("mean", round(float(ys.mean()), 4))


def plot(xs, ys, label):
    """The plots of Figures; the pipeline draws them only when asked."""
    import matplotlib.pyplot as plt

    # (notebook cell 7)
    fig, ax = plt.subplots()
    ax.plot(xs, ys)
    ax.set_title(label)
    fig.savefig("golden_plot.png")
    # (notebook cell 8)
    plt.hist(ys)
    plt.show()
