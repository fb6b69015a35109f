def accuracy(y, y_hat):
    return sum(a == b for a, b in zip(y, y_hat, strict=True)) / len(y)
