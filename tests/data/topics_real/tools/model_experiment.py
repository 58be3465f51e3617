"""Does a learned decision beat the rules' thresholds? The experiment behind RESULTS.md ("Learned component").

Per topic, a logistic regression (numpy, Newton steps, L2 1e-4) over the rules' two signals, the
length-normalised document score and the best paragraph score, against the rules' own decision
(document score >= threshold or best paragraph >= paragraph threshold) with both thresholds chosen
on the same training folds by the sweep of `parsers.classify.evaluate`. Five folds, four shuffles, on the
dev split only; `--test` then trains both on the whole dev split and reports the test split.

    .venv/bin/python tests/data/topics_real/tools/model_experiment.py [--test]
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[4]
sys.path.insert(0, str(ROOT))

from parsers.classify.evaluate import read_labels, read_passage  # noqa: E402
from parsers.classify.topics import load_rules, topic_signals  # noqa: E402
from parsers.model import TOPICS  # noqa: E402

LABELS = ROOT / "tests" / "data" / "topics_real" / "labels.csv"
GRID = np.round(np.arange(0.2, 1.0, 0.05), 2)


def signals(split: str) -> tuple[np.ndarray, np.ndarray]:
    """(pages x topics x [document, paragraph]) and (pages x topics) labels of a split."""
    rules, labels = load_rules(), read_labels(LABELS, split)
    x = np.zeros((len(labels), len(TOPICS), 2))
    for i, (path, _) in enumerate(labels):
        for k, topic in enumerate(TOPICS):
            if found := topic_signals(*read_passage(path), rules).get(topic):
                x[i, k] = (found[0].score, found[1])
    return x, np.array([[t in topics for t in TOPICS] for _, topics in labels], dtype=float)


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-4) -> np.ndarray:
    """Weights (bias last) of an L2 logistic regression, Newton steps."""
    x1, w = np.hstack([x, np.ones((len(x), 1))]), np.zeros(x.shape[1] + 1)
    for _ in range(50):
        p = 1 / (1 + np.exp(-(x1 @ w)))
        gradient = x1.T @ (p - y) / len(y) + l2 * np.r_[w[:-1], 0]
        hessian = (x1.T * (p * (1 - p))) @ x1 / len(y) + l2 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return w


def f1(predicted: np.ndarray, gold: np.ndarray) -> tuple[float, float, float]:
    tp, fp = float(np.sum(predicted * gold)), float(np.sum(predicted * (1 - gold)))
    fn = float(np.sum((1 - predicted) * gold))
    p, r = (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def fit_thresholds(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """The (document, paragraph) thresholds of best F1 on the grid."""
    return max(((a, b) for a in GRID for b in GRID), key=lambda ab: f1(decide(x, ab), y)[2])


def decide(x: np.ndarray, thresholds: tuple[float, float]) -> np.ndarray:
    return ((x[:, 0] >= thresholds[0]) | (x[:, 1] >= thresholds[1])).astype(float)


def predict_logistic(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return (np.hstack([x, np.ones((len(x), 1))]) @ w >= 0).astype(float)


def both(train: tuple, test: tuple) -> dict[str, list[tuple[float, float, float]]]:
    """Per-topic (P, R, F1) of both decisions trained on `train`, measured on `test`."""
    out: dict[str, list] = {"rules (swept thresholds)": [], "logistic regression": []}
    for k in range(len(TOPICS)):
        xt, yt, xe, ye = train[0][:, k], train[1][:, k], test[0][:, k], test[1][:, k]
        out["rules (swept thresholds)"].append(f1(decide(xe, fit_thresholds(xt, yt)), ye))
        out["logistic regression"].append(f1(predict_logistic(xe, fit_logistic(xt, yt)), ye))
    return out


def show(name: str, rows: list[tuple[float, float, float]]) -> None:
    cells = "  ".join(
        f"{t} P {p:.3f} R {r:.3f} F1 {f:.3f}" for t, (p, r, f) in zip(TOPICS, rows, strict=True)
    )
    print(f"  {name:<26} macro-F1 {np.mean([f for _, _, f in rows]):.3f}   {cells}")


def main() -> None:
    x, y = signals("dev")
    runs: dict[str, list] = {}
    for shuffle in range(4):
        folds = np.array_split(np.random.default_rng(shuffle).permutation(len(y)), 5)
        for i, held in enumerate(folds):
            kept = np.concatenate([f for j, f in enumerate(folds) if j != i])
            for name, rows in both((x[kept], y[kept]), (x[held], y[held])).items():
                runs.setdefault(name, []).append(rows)
    print("dev split, 5-fold cross-validation x 4 shuffles (mean of the folds):")
    for name, rows in runs.items():
        show(name, [tuple(v) for v in np.mean(np.array(rows), axis=0)])
    if "--test" in sys.argv:
        print("trained on the whole dev split, measured on the test split:")
        for name, rows in both((x, y), signals("test")).items():
            show(name, rows)


if __name__ == "__main__":
    main()
