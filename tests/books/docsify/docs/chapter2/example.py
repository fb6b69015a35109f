def accuracy(y, y_hat):
    return 1 - error_rate(y, y_hat)
