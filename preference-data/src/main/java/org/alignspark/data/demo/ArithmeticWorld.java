package org.alignspark.data.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.alignspark.common.selfcorrect.CorrectionInstruction;
import org.alignspark.common.selfcorrect.FinalAnswer;
import org.alignspark.common.tokenizer.Message;
import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.Attempt;
import org.alignspark.data.avro.Dialogue;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.alignspark.data.avro.Turn;
import org.alignspark.data.formats.ReaderOptions;
import org.alignspark.data.formats.Records;

/**
 * The demo world's checkable questions: small additions ("What is 7 + 5?", answer "The answer is 12."), and a
 * simulated two-attempt policy ({@link SimulatedPolicy}) whose first attempt is right with probability
 * {@code firstAttemptAccuracy} (otherwise off by 1 or 2) and whose second attempt, after the correction instruction,
 * fixes a wrong first attempt with probability {@code fixRate} (else copies it) and breaks a right one with probability
 * {@code breakRate} (else copies it). Its traces are self-correction data with known verdicts; its dialogues fine-tune
 * a base policy that behaves the same way, so correction is learnable: Δ(t1, t2) of that base is
 * fixRate·(1 − firstAttemptAccuracy) − breakRate·firstAttemptAccuracy, and a policy that always fixes and never breaks
 * reaches 1 − firstAttemptAccuracy. With breakRate &gt; 0 the base resembles SCoRe's base models, whose second attempt
 * turns right answers wrong more often than the reverse (Δ &lt; 0, docs/spec-data-side.md §4e). Everything is a function of the
 * seed.
 * <p>
 * Two wordings: {@link Format#PROSE} ("What is 7 + 5?" / "The answer is 12.") reads like a chat; {@link Format#TERSE}
 * ("7+5" / "12") is the same task in a fifth of the tokens, for policies trained from scratch in a test's budget.
 */
public final class ArithmeticWorld {
    public static final String SOURCE = "demo-arithmetic";

    /** How questions and answers are worded. */
    public enum Format {
        PROSE, TERSE;

        public static Format parse(String name) {
            return switch (name) {
                case "prose" -> PROSE;
                case "terse" -> TERSE;
                default -> throw new IllegalArgumentException("unknown arithmetic format '" + name + "': use prose or terse");
            };
        }

        public String question(int a, int b) {
            return this == PROSE ? "What is " + a + " + " + b + "?" : a + "+" + b;
        }

        public String answer(int value) {
            return this == PROSE ? "The answer is " + value + "." : Integer.toString(value);
        }
    }

    /**
     * The simulated policy's two attempts.
     *
     * @param firstAttemptAccuracy chance that attempt 1 is right
     * @param fixRate chance that attempt 2 corrects a wrong attempt 1 (else copies it)
     * @param breakRate chance that attempt 2 turns a right attempt 1 into a wrong answer (else copies it)
     */
    public record SimulatedPolicy(double firstAttemptAccuracy, double fixRate, double breakRate) {
        public SimulatedPolicy {
            for (double p : new double[] {firstAttemptAccuracy, fixRate, breakRate}) {
                if (!(p >= 0 && p <= 1)) {
                    throw new IllegalArgumentException("the simulated policy's rates must be probabilities in [0, 1], got " + p);
                }
            }
        }
    }

    /** {@code a + b}, worded in {@code format}. */
    public record Question(int a, int b, Format format) {
        public String text() {
            return format.question(a, b);
        }

        public int value() {
            return a + b;
        }

        public List<Turn> prompt() {
            return List.of(new Turn("user", text()));
        }

        public String promptId() {
            return PromptIds.promptId(prompt());
        }
    }

    private final long seed;
    private final int maxOperand;
    private final int maxSecondOperand;
    private final SimulatedPolicy policy;
    private final double testFraction;
    private final Format format;

    /**
     * @param maxOperand questions a + b have 0 ≤ a ≤ maxOperand
     * @param maxSecondOperand and 0 ≤ b ≤ maxSecondOperand; 0 gives questions whose answer is a copy of a, a rule a
     *                         tiny model learns for every a, so held-out questions test correcting rather than recall
     */
    public ArithmeticWorld(long seed, int maxOperand, int maxSecondOperand, SimulatedPolicy policy, double testFraction,
                           Format format) {
        if (maxOperand < 1 || maxSecondOperand < 0) {
            throw new IllegalArgumentException("need max operand ≥ 1 and max second operand ≥ 0");
        }
        this.seed = seed;
        this.maxOperand = maxOperand;
        this.maxSecondOperand = maxSecondOperand;
        this.policy = policy;
        this.testFraction = testFraction;
        this.format = format;
    }

    /** Every question a + b with 0 ≤ a ≤ maxOperand and 0 ≤ b ≤ maxSecondOperand. */
    public List<Question> questions() {
        List<Question> out = new ArrayList<>();
        for (int a = 0; a <= maxOperand; a++) {
            for (int b = 0; b <= maxSecondOperand; b++) {
                out.add(new Question(a, b, format));
            }
        }
        return out;
    }

    /** The answer stating {@code value}, in this world's wording. */
    public String answer(int value) {
        return format.answer(value);
    }

    private record Simulated(Question question, String first, boolean firstCorrect, String second, boolean secondCorrect) {}

    private List<Simulated> simulate(int count) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Question> questions = questions();
        List<Simulated> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Question q = questions.get(i % questions.size());
            boolean firstCorrect = random.nextDouble() < policy.firstAttemptAccuracy();
            int firstValue = firstCorrect ? q.value() : wrong(q.value(), random);
            int secondValue = firstValue;
            if (firstCorrect && random.nextDouble() < policy.breakRate()) {
                secondValue = wrong(q.value(), random);
            } else if (!firstCorrect && random.nextDouble() < policy.fixRate()) {
                secondValue = q.value();
            }
            out.add(new Simulated(q, answer(firstValue), firstCorrect, answer(secondValue), secondValue == q.value()));
        }
        return out;
    }

    /** A wrong sum, off by 1 or 2 and never negative. */
    private static int wrong(int value, SplittableRandom random) {
        int offset = 1 + random.nextInt(2);
        return value - offset >= 0 && random.nextBoolean() ? value - offset : value + offset;
    }

    /** {@code count} judged two-attempt traces of the simulated policy, cycling through the questions. */
    public List<SelfCorrectionTrace> traces(int count, CorrectionInstruction instruction) {
        List<SelfCorrectionTrace> out = new ArrayList<>(count);
        int i = 0;
        for (Simulated s : simulate(count)) {
            List<Turn> prompt = s.question().prompt();
            String promptId = PromptIds.promptId(prompt);
            String reference = Integer.toString(s.question().value());
            List<Attempt> attempts = List.of(new Attempt(1, s.first(), FinalAnswer.extract(s.first()), s.firstCorrect()),
                    new Attempt(2, s.second(), FinalAnswer.extract(s.second()), s.secondCorrect()));
            out.add(SelfCorrectionTrace.newBuilder()
                    .setTraceId(PromptIds.contentId(promptId, reference, attempts, i++))
                    .setPromptId(promptId)
                    .setPrompt(prompt)
                    .setReferenceAnswer(reference)
                    .setAttempts(attempts)
                    .setCorrectionInstruction(instruction.userTurn(messages(prompt)))
                    .setSource(SOURCE)
                    .setSplit(PromptIds.split(promptId, testFraction))
                    .build());
        }
        return out;
    }

    /**
     * Supervised data for a base policy that behaves like the simulated one: for each of {@code count} simulated
     * traces, one dialogue question → first attempt and one question, first attempt, instruction → second attempt.
     * The same exchange recurs as often as the simulation draws it, so ids carry the trace's index.
     */
    public List<Dialogue> policyDialogues(int count, CorrectionInstruction instruction) {
        ReaderOptions options = new ReaderOptions(testFraction, 10_000, SOURCE);
        List<Dialogue> out = new ArrayList<>(2 * count);
        int i = 0;
        for (Simulated s : simulate(count)) {
            List<Turn> prompt = s.question().prompt();
            Dialogue first = Records.dialogue(prompt, s.first(), options);
            first.setDialogueId(PromptIds.contentId(first.getDialogueId(), i));
            List<Turn> second = new ArrayList<>();
            instruction.secondTurnPrompt(messages(prompt), s.first()).forEach(m -> second.add(new Turn(m.role(), m.content())));
            Dialogue fix = Records.dialogue(second, s.second(), options);
            fix.setDialogueId(PromptIds.contentId(fix.getDialogueId(), i));
            out.add(first);
            out.add(fix);
            i++;
        }
        return out;
    }

    private static List<Message> messages(List<Turn> turns) {
        return turns.stream().map(t -> new Message(t.getRole(), t.getContent())).toList();
    }
}
