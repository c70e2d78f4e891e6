"""scikit-learn's reference detectors for `hourglass detect bench tables`.

Reads one job (JSON file: a data set's tasks, each a train and a test matrix already encoded by
hourglass), fits each method on each task's training rows and scores its test rows, and prints
one JSON line: per task and method, the scores (higher = more anomalous) and the fit and score
seconds, or the error a method raised (EllipticEnvelope fails on singular covariances).
Every method sees the data standardised by a StandardScaler fitted on the training rows.
Defaults are scikit-learn's own, as a user would run them; PCA keeps the components that
explain 90% of the variance, as hourglass's PCA detector does.
"""
import json
import sys
import time
import warnings

import numpy as np
from sklearn.covariance import EllipticEnvelope
from sklearn.decomposition import PCA
from sklearn.ensemble import IsolationForest
from sklearn.neighbors import LocalOutlierFactor
from sklearn.preprocessing import StandardScaler
from sklearn.svm import OneClassSVM

warnings.filterwarnings("ignore")


def pca_scores(model, x):
    r = model.inverse_transform(model.transform(x))
    return ((x - r) ** 2).mean(axis=1)


def run(method, seed, train, test, same):
    """Returns (fit seconds, score seconds, scores). `same`: test is the training data (unsupervised)."""
    t0 = time.perf_counter()
    if method == "IsolationForest":
        m = IsolationForest(random_state=seed).fit(train)
        t1 = time.perf_counter()
        s = -m.score_samples(test)
    elif method == "OCSVM":
        m = OneClassSVM().fit(train)
        t1 = time.perf_counter()
        s = -m.decision_function(test)
    elif method == "LOF":
        if same:  # unsupervised: the classic LOF of each training row among the others
            m = LocalOutlierFactor().fit(train)
            t1 = time.perf_counter()
            s = -m.negative_outlier_factor_
        else:
            m = LocalOutlierFactor(novelty=True).fit(train)
            t1 = time.perf_counter()
            s = -m.score_samples(test)
    elif method == "EllipticEnvelope":
        m = EllipticEnvelope(random_state=seed).fit(train)
        t1 = time.perf_counter()
        s = -m.score_samples(test)
    elif method == "PCA":
        m = PCA(n_components=0.9, random_state=seed).fit(train)
        t1 = time.perf_counter()
        s = pca_scores(m, test)
    else:
        raise ValueError(f"unknown method {method}")
    t2 = time.perf_counter()
    s = np.asarray(s, dtype=np.float64)
    if not np.all(np.isfinite(s)):
        raise ValueError("non-finite scores")
    return t1 - t0, t2 - t1, s


def main():
    job = json.load(open(sys.argv[1]))
    out = []
    for task in job["tasks"]:
        d = task["columns"]
        train = np.asarray(task["train"], dtype=np.float64).reshape(-1, d)
        same = task.get("testIsTrain", False)
        test = train if same else np.asarray(task["test"], dtype=np.float64).reshape(-1, d)
        scaler = StandardScaler().fit(train)
        train_s, test_s = scaler.transform(train), scaler.transform(test)
        results = {}
        for method in job["methods"]:
            try:
                fit_s, score_s, s = run(method, task["seed"], train_s, test_s, same)
                results[method] = {"fitSeconds": fit_s, "scoreSeconds": score_s, "scores": s.tolist()}
            except Exception as e:  # noqa: BLE001 - a method that cannot run on this data is reported, not fatal
                results[method] = {"error": f"{type(e).__name__}: {e}"[:300]}
        out.append(results)
    import sklearn

    print(json.dumps({"impl": "scikit-learn", "version": sklearn.__version__, "results": out}))


if __name__ == "__main__":
    main()
