package org.alignspark.common.objectives;

/** The metric keys TRL's trainers log, so tables and dashboards read the same as TRL's (docs/spec-objectives.md §1d, §2d, §3d, §7d). */
public final class TrlMetricNames {
    private TrlMetricNames() {
    }

    public static final String REWARDS_CHOSEN = "rewards/chosen";
    public static final String REWARDS_REJECTED = "rewards/rejected";
    public static final String REWARDS_ACCURACIES = "rewards/accuracies";
    public static final String REWARDS_MARGINS = "rewards/margins";
    public static final String LOGPS_CHOSEN = "logps/chosen";
    public static final String LOGPS_REJECTED = "logps/rejected";
    public static final String NLL_LOSS = "nll_loss";
    /** ORPOTrainer's mean log σ(log odds) and mean log odds of chosen over rejected. */
    public static final String LOG_ODDS_RATIO = "log_odds_ratio";
    public static final String LOG_ODDS_CHOSEN = "log_odds_chosen";
    /** Not a TRL key: ORPO's prompt-and-completion NLL when {@link #NLL_LOSS} holds the SFT/RPO term of the same run. */
    public static final String ORPO_NLL_LOSS = "orpo/nll_loss";
    public static final String KL = "kl";
    public static final String DELTA = "delta";
    public static final String LOSS = "loss";
    /** RewardTrainer keys (TRL reward_trainer.py). */
    public static final String ACCURACY = "accuracy";
    public static final String MARGIN = "margin";
    public static final String MIN_REWARD = "min_reward";
    public static final String MEAN_REWARD = "mean_reward";
    public static final String MAX_REWARD = "max_reward";
    /**
     * Not a TRL key: share of pairs whose chosen log-prob fell below its reference value, the
     * likelihood-displacement signal of Razin et al. 2410.08847 (issue 6).
     */
    public static final String CHOSEN_LOGPS_BELOW_REFERENCE = "logps/chosen_below_ref";
}
