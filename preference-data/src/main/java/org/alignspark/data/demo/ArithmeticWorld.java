package org.alignspark.data.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.alignspark.common.selfcorrect.CorrectionInstruction;
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
 * simulated two-attempt policy whose first attempt is right with probability {@code firstAttemptAccuracy} (otherwise
 * off by 1 or 2) and whose second attempt, after the correction instruction, is the right answer with probability
 * {@code fixRate} and a copy of the first attempt otherwise. Its traces are self-correction data with known verdicts;
 * its dialogues fine-tune a base policy that behaves the same way, so correction is learnable: Δ(t1, t2) of that base
 * is fixRate·(1 − firstAttemptAccuracy), and a policy that always fixes reaches 1 − firstAttemptAccuracy.
 * Everything is a function of the seed.
 */
public final class ArithmeticWorld {
    public static final String SOURCE = "demo-arithmetic";

    /** {@code a + b}. */
    public record Question(int a, int b) {
        public String text() {
            return "What is " + a + " + " + b + "?";
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
    private final double firstAttemptAccuracy;
    private final double fixRate;
    private final double testFraction;

    public ArithmeticWorld(long seed, int maxOperand, double firstAttemptAccuracy, double fixRate, double testFraction) {
        if (maxOperand < 1 || !(firstAttemptAccuracy >= 0 && firstAttemptAccuracy <= 1) || !(fixRate >= 0 && fixRate <= 1)) {
            throw new IllegalArgumentException("need max operand ≥ 1 and probabilities in [0, 1]");
        }
        this.seed = seed;
        this.maxOperand = maxOperand;
        this.firstAttemptAccuracy = firstAttemptAccuracy;
        this.fixRate = fixRate;
        this.testFraction = testFraction;
    }

    /** Every question a + b with 0 ≤ a, b ≤ maxOperand. */
    public List<Question> questions() {
        List<Question> out = new ArrayList<>();
        for (int a = 0; a <= maxOperand; a++) {
            for (int b = 0; b <= maxOperand; b++) {
                out.add(new Question(a, b));
            }
        }
        return out;
    }

    public static String answer(int value) {
        return "The answer is " + value + ".";
    }

    private record Simulated(Question question, String first, boolean firstCorrect, String second, boolean secondCorrect) {}

    private List<Simulated> simulate(int count) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Question> questions = questions();
        List<Simulated> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Question q = questions.get(i % questions.size());
            boolean firstCorrect = random.nextDouble() < firstAttemptAccuracy;
            int firstValue = firstCorrect ? q.value() : wrong(q.value(), random);
            boolean fix = random.nextDouble() < fixRate;
            int secondValue = fix ? q.value() : firstValue;
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
            List<Attempt> attempts = List.of(new Attempt(1, s.first(), finalAnswer(s.first()), s.firstCorrect()),
                    new Attempt(2, s.second(), finalAnswer(s.second()), s.secondCorrect()));
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

    private static String finalAnswer(String answer) {
        return answer.substring("The answer is ".length(), answer.length() - 1);
    }
}
