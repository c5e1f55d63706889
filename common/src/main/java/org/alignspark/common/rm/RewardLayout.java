package org.alignspark.common.rm;

import java.util.List;
import java.util.Objects;

import org.alignspark.common.rewards.FollowUpLikelihoodReward;
import org.alignspark.common.tokenizer.ChatEncoder;
import org.alignspark.common.tokenizer.Message;

/**
 * How a reward model reads a prompt and a response: the layout it was trained in, saved with its checkpoint so every
 * job that scores with it encodes the same way.
 * <ul>
 *   <li>{@link Template#STANDARD}: the chat template's prompt and assistant response through its end of turn, the
 *       reward read at the last token (TRL's reward modelling layout).</li>
 *   <li>{@link Template#ROLE_SWAPPED}: FLR's role-swapped feedback layout ({@link FollowUpLikelihoodReward#roleSwapped})
 *       up to the opening of the assistant's feedback turn, the reward read where a scorer fine-tuned on feedback
 *       predicts its first word. A reward model started from such a scorer keeps the features the scorer judges with.
 *       Our option, not a paper's.</li>
 * </ul>
 */
public record RewardLayout(Template template, String feedbackRequest) implements java.io.Serializable {
    public enum Template { STANDARD, ROLE_SWAPPED }

    public static final RewardLayout STANDARD = new RewardLayout(Template.STANDARD, null);

    public RewardLayout {
        Objects.requireNonNull(template, "template");
        if (template == Template.ROLE_SWAPPED && (feedbackRequest == null || feedbackRequest.isBlank())) {
            throw new IllegalArgumentException("the role-swapped layout needs a feedback request");
        }
        if (template == Template.STANDARD) {
            feedbackRequest = null;
        }
    }

    /** @param name standard or role-swapped, as the jobs' --template options spell it */
    public static RewardLayout of(String name, String feedbackRequest) {
        return switch (name) {
            case "standard" -> STANDARD;
            case "role-swapped" -> new RewardLayout(Template.ROLE_SWAPPED, feedbackRequest);
            default -> throw new IllegalArgumentException("template must be standard or role-swapped, got '" + name + "'");
        };
    }

    /** The option's spelling: standard or role-swapped. */
    public String name() {
        return template == Template.STANDARD ? "standard" : "role-swapped";
    }

    /** The token ids the reward model reads for {@code response} to {@code prompt}; the reward is read at the last. */
    public int[] encode(ChatEncoder encoder, List<Message> prompt, String response) {
        return template == Template.STANDARD
                ? encoder.conversation(prompt, response)
                : encoder.prompt(FollowUpLikelihoodReward.roleSwapped(feedbackRequest, prompt, response));
    }
}
