def double(v):
    return 2 * v
