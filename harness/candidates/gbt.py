"""Gradient-boosted trees: XGBoost and LightGBM with native categorical splits and early stopping on dev.

Both read the same encoded matrix (`TabularEncoder.for_trees`: float32 numerics with NaN for missing, then
category codes declared categorical). Class imbalance is left to the honest objective (no silent reweighting);
XGBoost exposes `scale_pos_weight` for teams that want it.

Serving threads (`predict_threads`): None = auto — one thread for batches under `SMALL_BATCH_ROWS` rows (a
single request gains nothing from more threads and OpenMP wake-ups widen the p99), every core for larger
batches. `benchmarks/bench_predict_latency.py` compares the settings.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Self

import numpy as np
import polars as pl

from harness.candidates._tabular import TabularCandidate, pickled_size_bytes
from harness.dataset import Predictions, Split
from harness.threads import SMALL_BATCH_ROWS, serving_threads, training_threads
from harness.types import Family, TaskKind

# Generous limits: early stopping on dev decides the rounds;
# `details()["hit_round_cap"]` says when it did not.
MAX_ROUNDS = 3000
EARLY_STOPPING_ROUNDS = 50

if TYPE_CHECKING:
    import lightgbm
    import xgboost


def _top_importances(names: list[str], gains: dict[str, float], k: int = 5) -> dict[str, float]:
    total = sum(gains.values()) or 1.0
    ranked = sorted(((gains.get(n, 0.0), n) for n in names), reverse=True)[:k]
    return {name: round(gain / total, 4) for gain, name in ranked if gain > 0}


class XGBoostCandidate(TabularCandidate):
    """`xgboost.train`: hist trees, native categoricals, early stopping on dev; `inplace_predict` serves."""

    name: ClassVar[str] = "xgboost"
    family: ClassVar[Family] = Family.GBT
    skills: ClassVar[tuple[str, ...]] = ("xgboost",)
    interpretable: ClassVar[bool] = True  # per-feature gain importances
    complexity: ClassVar[int] = 2

    def __init__(
        self,
        *,
        seed: int = 0,
        max_rounds: int = MAX_ROUNDS,
        learning_rate: float = 0.1,
        max_depth: int = 6,
        min_child_weight: float = 1.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        early_stopping_rounds: int = EARLY_STOPPING_ROUNDS,
        scale_pos_weight: float | None = None,
        train_threads: int | None = None,
        predict_threads: int | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.max_rounds = max_rounds
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.early_stopping_rounds = early_stopping_rounds
        self.scale_pos_weight = scale_pos_weight
        self.train_threads = train_threads
        self.predict_threads = predict_threads

    @staticmethod
    def presets() -> list[dict[str, Any]]:
        """Known-good configurations tried right after the defaults (slower learning, deeper or shallower
        trees, more regularisation): a warm start for the search, as AutoML portfolios do."""
        return [
            {
                "learning_rate": 0.03,
                "max_depth": 8,
                "min_child_weight": 1.0,
                "subsample": 0.8,
                "colsample_bytree": 0.6,
                "reg_lambda": 1.0,
            },
            {
                "learning_rate": 0.05,
                "max_depth": 4,
                "min_child_weight": 3.0,
                "subsample": 0.9,
                "colsample_bytree": 0.9,
                "reg_lambda": 3.0,
            },
        ]

    @staticmethod
    def search_space(trial: Any) -> dict[str, Any]:
        """XGBoost's usual levers; boosting rounds are left to early stopping on dev."""
        return {
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
            "max_depth": trial.suggest_int("max_depth", 2, 10),
            "min_child_weight": trial.suggest_float("min_child_weight", 0.05, 50.0, log=True),
            "subsample": trial.suggest_float("subsample", 0.5, 1.0),
            "colsample_bytree": trial.suggest_float("colsample_bytree", 0.4, 1.0),
            "reg_lambda": trial.suggest_float("reg_lambda", 0.01, 30.0, log=True),
        }

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "tree_method": "hist",
            "eta": self.learning_rate,
            "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "lambda": self.reg_lambda,
            "seed": self.seed,
            "nthread": self.train_threads or training_threads(),
            "max_cat_to_onehot": 1,  # partition-based categorical splits
        }
        if self.kind_ is TaskKind.BINARY:
            params |= {"objective": "binary:logistic", "eval_metric": "logloss"}
            if self.scale_pos_weight is not None:
                params["scale_pos_weight"] = self.scale_pos_weight
        elif self.kind_ is TaskKind.MULTICLASS:
            params |= {"objective": "multi:softprob", "num_class": self.n_classes_, "eval_metric": "mlogloss"}
        else:
            params |= {"objective": "reg:squarederror", "eval_metric": "rmse"}
        return params

    def fit(self, train: Split, dev: Split) -> Self:
        import xgboost as xgb

        self._start_fit(train, dev)
        encoder = self._fit_encoder(train)
        types = ["q"] * len(encoder.numeric_columns) + ["c"] * len(encoder.categorical_columns)
        threads = self.train_threads or training_threads()

        def matrix(split: Split) -> xgboost.DMatrix:
            return xgb.DMatrix(
                encoder.for_trees(split.X),
                label=split.y,
                feature_types=types,  # names stay f0..fN: xgboost rejects some characters in column names
                enable_categorical=True,
                nthread=threads,
            )

        candidate = self
        rounds = self.max_rounds

        class _Progress(xgb.callback.TrainingCallback):
            def after_iteration(self, model: Any, epoch: int, evals_log: dict[str, Any]) -> bool:
                dev_log = evals_log.get("dev", {})
                last = {metric: values[-1] for metric, values in dev_log.items()}
                shown = ", ".join(f"dev {m} {v:.4f}" for m, v in last.items())
                candidate._tick((epoch + 1) / rounds, f"round {epoch + 1}/{rounds} {shown}")
                return False

        dtrain, ddev = matrix(train), matrix(dev)
        self._tick(0.0, f"boosting up to {rounds} rounds")
        booster = xgb.train(
            self._params(),
            dtrain,
            num_boost_round=rounds,
            evals=[(ddev, "dev")],
            early_stopping_rounds=self.early_stopping_rounds,
            verbose_eval=False,
            callbacks=[_Progress()],
        )
        self.best_iteration_ = int(booster.best_iteration)
        self.rounds_trained_ = int(booster.num_boosted_rounds())
        self.best_dev_score_ = float(booster.best_score)
        # Keep only the trees up to the best round: that is the model served and sized.
        self.booster_ = booster[: self.best_iteration_ + 1]
        self._set_serving_threads()
        return self

    def refit_params(self, share: float) -> dict[str, Any]:
        """Constructor overrides for the final refit on train + dev: the rounds early stopping chose, scaled
        by the extra rows (`share` = rows added / train rows), with early stopping off."""
        rounds = max(1, round((self.best_iteration_ + 1) * (1 + share)))
        return {"max_rounds": rounds, "early_stopping_rounds": rounds + 1}

    def _set_serving_threads(self) -> None:
        """Two handles on the one model: `set_param` costs ~130 µs, more than a one-row prediction, so a
        one-thread handle serves small batches and the main one (threads re-checked per call) large ones."""
        self._single_row_booster = self.booster_.copy()
        self._single_row_booster.set_param({"nthread": self.predict_threads or 1})
        self._batch_threads = 0  # set on the first large batch

    def predict(self, batch: pl.DataFrame) -> Predictions:
        X = self.encoder_.for_trees(batch)
        if len(X) < SMALL_BATCH_ROWS:
            booster = self._single_row_booster
        else:
            booster = self.booster_
            threads = self.predict_threads or training_threads()
            if threads != self._batch_threads:
                booster.set_param({"nthread": threads})
                self._batch_threads = threads
        out = booster.inplace_predict(X, validate_features=False)
        if self.kind_ is TaskKind.BINARY:
            positive = np.asarray(out, dtype=np.float64)
            return self._classification(np.column_stack([1.0 - positive, positive]))
        if self.kind_ is TaskKind.MULTICLASS:
            proba = np.asarray(out, dtype=np.float64).reshape(len(X), self.n_classes_)
            return self._classification(proba / proba.sum(axis=1, keepdims=True))
        return Predictions(values=np.asarray(out, dtype=np.float64))

    def size_bytes(self) -> int:
        return len(self.booster_.save_raw("ubj")) + pickled_size_bytes(self.encoder_)

    def details(self) -> dict[str, Any]:
        return {
            "best_iteration": self.best_iteration_,
            "rounds_trained": self.rounds_trained_,
            "round_cap": self.max_rounds,
            # a refit's fixed round count is deliberate, not a cap that stopped early stopping
            "hit_round_cap": self.rounds_trained_ >= self.max_rounds > self.early_stopping_rounds,
            "best_dev_score": round(self.best_dev_score_, 6),
            "top_features_by_gain": _top_importances(self.encoder_.feature_names, self._gains()),
        }

    def _gains(self) -> dict[str, float]:
        names = self.encoder_.feature_names
        scores = self.booster_.get_score(importance_type="total_gain")
        gains: dict[str, float] = {}
        for key, gain in scores.items():
            assert not isinstance(gain, list)  # a tree booster scores a feature once (lists: gblinear)
            gains[names[int(key[1:])]] = float(gain)
        return gains

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state.pop("_single_row_booster", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        if "booster_" in state:
            self._set_serving_threads()


class LightGBMCandidate(TabularCandidate):
    """`lightgbm.train` with categorical_feature and early stopping on dev; `Booster.predict` serves."""

    name: ClassVar[str] = "lightgbm"
    family: ClassVar[Family] = Family.GBT
    skills: ClassVar[tuple[str, ...]] = ("lightgbm",)
    interpretable: ClassVar[bool] = True  # per-feature gain importances
    complexity: ClassVar[int] = 2

    def __init__(
        self,
        *,
        seed: int = 0,
        max_rounds: int = MAX_ROUNDS,
        learning_rate: float = 0.1,
        num_leaves: int = 31,
        min_data_in_leaf: int = 20,
        feature_fraction: float = 0.8,
        lambda_l2: float = 0.0,
        bagging_fraction: float = 1.0,
        extra_trees: bool = False,
        early_stopping_rounds: int = EARLY_STOPPING_ROUNDS,
        train_threads: int | None = None,
        predict_threads: int | None = None,
    ) -> None:
        super().__init__(seed=seed)
        self.max_rounds = max_rounds
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_data_in_leaf = min_data_in_leaf
        self.feature_fraction = feature_fraction
        self.lambda_l2 = lambda_l2
        self.bagging_fraction = bagging_fraction
        self.extra_trees = extra_trees
        self.early_stopping_rounds = early_stopping_rounds
        self.train_threads = train_threads
        self.predict_threads = predict_threads

    @staticmethod
    def presets() -> list[dict[str, Any]]:
        """Known-good configurations tried right after the defaults (a warm start for the search)."""
        return [
            {
                "learning_rate": 0.03,
                "num_leaves": 64,
                "min_data_in_leaf": 10,
                "feature_fraction": 0.6,
                "lambda_l2": 1.0,
                "bagging_fraction": 0.8,
                "extra_trees": False,
            },
            {
                "learning_rate": 0.05,
                "num_leaves": 16,
                "min_data_in_leaf": 30,
                "feature_fraction": 0.9,
                "lambda_l2": 5.0,
                "bagging_fraction": 0.7,
                "extra_trees": True,
            },
        ]

    @staticmethod
    def search_space(trial: Any) -> dict[str, Any]:
        """LightGBM's usual levers; boosting rounds are left to early stopping on dev."""
        return {
            "learning_rate": trial.suggest_float("learning_rate", 0.02, 0.3, log=True),
            "num_leaves": trial.suggest_int("num_leaves", 4, 256, log=True),
            "min_data_in_leaf": trial.suggest_int("min_data_in_leaf", 1, 300, log=True),
            "feature_fraction": trial.suggest_float("feature_fraction", 0.4, 1.0),
            "lambda_l2": trial.suggest_float("lambda_l2", 0.0, 30.0),
            "bagging_fraction": trial.suggest_float("bagging_fraction", 0.5, 1.0),
            "extra_trees": trial.suggest_categorical("extra_trees", [False, True]),  # randomised splits
        }

    def _params(self) -> dict[str, Any]:
        params: dict[str, Any] = {
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_data_in_leaf,
            "feature_fraction": self.feature_fraction,
            "lambda_l2": self.lambda_l2,
            "bagging_fraction": self.bagging_fraction,
            "bagging_freq": 1 if self.bagging_fraction < 1.0 else 0,
            "extra_trees": self.extra_trees,
            "seed": self.seed,
            "deterministic": True,
            "force_row_wise": True,  # with `deterministic`, the same seed gives the same model
            "num_threads": self.train_threads or training_threads(),
            "verbosity": -1,
        }
        if self.kind_ is TaskKind.BINARY:
            return params | {"objective": "binary", "metric": "binary_logloss"}
        if self.kind_ is TaskKind.MULTICLASS:
            return params | {
                "objective": "multiclass",
                "num_class": self.n_classes_,
                "metric": "multi_logloss",
            }
        return params | {"objective": "regression", "metric": "rmse"}

    def fit(self, train: Split, dev: Split) -> Self:
        import lightgbm as lgb

        self._start_fit(train, dev)
        encoder = self._fit_encoder(train)
        n_numeric = len(encoder.numeric_columns)
        categorical = list(range(n_numeric, n_numeric + len(encoder.categorical_columns)))
        dtrain = lgb.Dataset(
            encoder.for_trees(train.X),
            label=train.y,
            categorical_feature=categorical,
            free_raw_data=True,
        )
        ddev = dtrain.create_valid(encoder.for_trees(dev.X), label=dev.y)
        rounds = self.max_rounds
        trained = [0]

        def progress(env: lightgbm.callback.CallbackEnv) -> None:
            trained[0] = env.iteration + 1
            shown = ", ".join(f"dev {r[1]} {r[2]:.4f}" for r in env.evaluation_result_list or [])
            self._tick((env.iteration + 1) / rounds, f"round {env.iteration + 1}/{rounds} {shown}")

        self._tick(0.0, f"boosting up to {rounds} rounds")
        booster = lgb.train(
            self._params(),
            dtrain,
            num_boost_round=rounds,
            valid_sets=[ddev],
            valid_names=["dev"],
            callbacks=[lgb.early_stopping(self.early_stopping_rounds, verbose=False), progress],
        )
        # lightgbm.train already drops the trees past the best round; count the rounds trained ourselves.
        self.best_iteration_ = int(booster.best_iteration) or int(booster.current_iteration())
        self.rounds_trained_ = trained[0]
        best = booster.best_score.get("dev", {})
        self.best_dev_score_ = float(next(iter(best.values()))) if best else float("nan")
        # Re-load only the trees up to the best round: that is the model served and sized.
        self.model_text_ = booster.model_to_string(num_iteration=self.best_iteration_)
        self.booster_ = lgb.Booster(model_str=self.model_text_)
        return self

    def refit_params(self, share: float) -> dict[str, Any]:
        """As XGBoost's: the chosen rounds scaled by the extra rows, early stopping off."""
        rounds = max(1, round(self.best_iteration_ * (1 + share)))
        return {"max_rounds": rounds, "early_stopping_rounds": rounds + 1}

    def predict(self, batch: pl.DataFrame) -> Predictions:
        X = self.encoder_.for_trees(batch)
        threads = self.predict_threads or serving_threads(len(X))
        out = np.asarray(self.booster_.predict(X, num_threads=threads), dtype=np.float64)
        if self.kind_ is TaskKind.BINARY:
            return self._classification(np.column_stack([1.0 - out, out]))
        if self.kind_ is TaskKind.MULTICLASS:
            return self._classification(out / out.sum(axis=1, keepdims=True))
        return Predictions(values=out)

    def size_bytes(self) -> int:
        return len(self.model_text_.encode()) + pickled_size_bytes(self.encoder_)

    def details(self) -> dict[str, Any]:
        gains = self.booster_.feature_importance(importance_type="gain")
        by_name = dict(zip(self.encoder_.feature_names, (float(g) for g in gains), strict=True))
        return {
            "best_iteration": self.best_iteration_,
            "rounds_trained": self.rounds_trained_,
            "round_cap": self.max_rounds,
            # a refit's fixed round count is deliberate, not a cap that stopped early stopping
            "hit_round_cap": self.rounds_trained_ >= self.max_rounds > self.early_stopping_rounds,
            "best_dev_score": round(self.best_dev_score_, 6),
            "top_features_by_gain": _top_importances(self.encoder_.feature_names, by_name),
        }
