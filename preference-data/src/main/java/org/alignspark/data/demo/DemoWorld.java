package org.alignspark.data.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.Dialogue;
import org.alignspark.data.avro.PreferencePair;
import org.alignspark.data.avro.RankedResponse;
import org.alignspark.data.avro.RankedResponses;
import org.alignspark.data.avro.Turn;
import org.alignspark.data.formats.ReaderOptions;
import org.alignspark.data.formats.Records;

/**
 * A small synthetic dialogue world in which response quality is learnable by a tiny LM: questions over a fixed set of
 * facts, correct and wrong answers, and users who react to correctness ("That's right." / "That's wrong."). Everything
 * is a function of the seed, so a demo or a test sees the same world every time.
 */
public final class DemoWorld {
    /** A question with its answer. */
    public record Fact(String question, String answer) {}

    /** A follow-up sentence a user may say, positive (satisfied) or negative. */
    public record FollowUp(String text, boolean positive) {}

    public static final List<Fact> FACTS = List.of(
            new Fact("What color is the sky?", "blue"),
            new Fact("What color is grass?", "green"),
            new Fact("What color is snow?", "white"),
            new Fact("What color is a banana?", "yellow"),
            new Fact("What is the capital of France?", "Paris"),
            new Fact("What is the capital of Italy?", "Rome"),
            new Fact("What is the capital of Japan?", "Tokyo"),
            new Fact("What is the capital of Spain?", "Madrid"),
            new Fact("Which animal says moo?", "a cow"),
            new Fact("Which animal barks?", "a dog"),
            new Fact("Which animal meows?", "a cat"),
            new Fact("Which animal has a trunk?", "an elephant"),
            new Fact("How many legs does a spider have?", "eight"),
            new Fact("How many days are in a week?", "seven"),
            new Fact("How many wheels does a bicycle have?", "two"),
            new Fact("How many sides does a triangle have?", "three"));

    /** FACTS come in kinds of four: colors, capitals, animals, numbers. */
    private static final int KIND_SIZE = 4;

    private static final String[] ANSWER_FORMS = {"It is %s.", "The answer is %s.", "%s.", "I think it is %s."};

    private final long seed;
    private final List<FollowUp> followUps;
    private final String feedbackRequest;

    /**
     * @param followUps the sentences users react with (the FLR follow-up set)
     * @param feedbackRequest the opening user turn of the role-swapped feedback template
     */
    public DemoWorld(long seed, List<FollowUp> followUps, String feedbackRequest) {
        this.seed = seed;
        this.followUps = List.copyOf(followUps);
        this.feedbackRequest = feedbackRequest;
    }

    private static String capitalized(String s) {
        return Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    /**
     * An answer to {@code fact}: its own answer when correct; otherwise the answer of a fact of another kind (a color
     * for a capital, a number for an animal). Wrong answers of another kind keep the world learnable by a tiny scorer
     * in a test's budget: telling a color from a city is a pattern, where telling blue from green for "the sky" is a
     * memorised fact.
     */
    String answer(Fact fact, boolean correct, SplittableRandom random) {
        String value = fact.answer();
        if (!correct) {
            int kinds = FACTS.size() / KIND_SIZE;
            int kind = FACTS.indexOf(fact) / KIND_SIZE;
            int otherKind = (kind + 1 + random.nextInt(kinds - 1)) % kinds;
            value = FACTS.get(otherKind * KIND_SIZE + random.nextInt(KIND_SIZE)).answer();
        }
        return capitalized(String.format(ANSWER_FORMS[random.nextInt(ANSWER_FORMS.length)], value));
    }

    /**
     * Whether {@code fact}'s question falls in the test split when pairs are split with {@code testFraction} (the rule
     * ingest applies: by the id of the prompt, here the question alone).
     */
    public static boolean heldOut(Fact fact, double testFraction) {
        return PromptIds.split(PromptIds.promptId(List.of(new Turn("user", fact.question()))), testFraction).equals("test");
    }

    /** Dialogues over every question of the world: {@link #scorerDialogues(int, double)} holding none out. */
    public List<Dialogue> scorerDialogues(int count) {
        return scorerDialogues(count, 0);
    }

    /**
     * Dialogues that teach a scorer how users react, in the role-swapped feedback layout (user: request / assistant:
     * question / user: answer / assistant: follow-up): correct answers draw positive follow-ups, wrong ones negative.
     * Questions that {@link #labelledPairs(int, double)} puts in the test split with the same {@code testFraction} are
     * left out, so FLR is evaluated on questions the scorer has never seen answered.
     */
    public List<Dialogue> scorerDialogues(int count, double testFraction) {
        List<Fact> seen = FACTS.stream().filter(f -> !heldOut(f, testFraction)).toList();
        if (seen.isEmpty()) {
            throw new IllegalArgumentException("test fraction " + testFraction + " holds out every question of the world");
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<FollowUp> positive = followUps.stream().filter(FollowUp::positive).toList();
        List<FollowUp> negative = followUps.stream().filter(f -> !f.positive()).toList();
        ReaderOptions options = new ReaderOptions(0, 10_000, "demo-world");
        List<Dialogue> dialogues = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Fact fact = seen.get(random.nextInt(seen.size()));
            boolean correct = random.nextBoolean();
            List<Turn> prompt = List.of(new Turn("user", feedbackRequest), new Turn("assistant", fact.question()),
                    new Turn("user", answer(fact, correct, random)));
            List<FollowUp> pool = correct ? positive : negative;
            dialogues.add(Records.dialogue(prompt, pool.get(random.nextInt(pool.size())).text(), options));
        }
        return dialogues;
    }

    /** Human-labelled pairs: a correct answer chosen over a wrong one, for the FLR-vs-Direct evaluation. */
    public List<PreferencePair> labelledPairs(int count) {
        return labelledPairs(count, 0);
    }

    /**
     * Labelled pairs with a share of the questions (by prompt id, as ingest splits) in the test split, so a reward
     * model or a policy trained on the train split is evaluated on questions it has not seen.
     */
    public List<PreferencePair> labelledPairs(int count, double testFraction) {
        SplittableRandom random = new SplittableRandom(seed + 1);
        ReaderOptions options = new ReaderOptions(testFraction, 10_000, "demo-world");
        java.util.Map<String, PreferencePair> pairs = new java.util.LinkedHashMap<>();
        for (int i = 0; pairs.size() < count && i < 100 * count; i++) {   // distinct pairs only
            Fact fact = FACTS.get(i % FACTS.size());
            String chosen = answer(fact, true, random);
            String rejected = answer(fact, false, random);
            PreferencePair pair = Records.pair(List.of(new Turn("user", fact.question())), chosen, rejected, null, null, null, null, options);
            pairs.putIfAbsent(pair.getPairId(), pair);
        }
        return new ArrayList<>(pairs.values());
    }

    /**
     * Near-duplicate pairs: the same right answer in the same words on both sides, the full stop of one turned into an
     * exclamation mark ("It is Paris." / "It is Paris!"), the pairs CHES should rank above pairs whose answers differ.
     */
    public List<PreferencePair> nearDuplicatePairs(int count) {
        SplittableRandom random = new SplittableRandom(seed + 4);
        ReaderOptions options = new ReaderOptions(0, 10_000, "demo-world");
        java.util.Map<String, PreferencePair> pairs = new java.util.LinkedHashMap<>();
        for (int i = 0; pairs.size() < count && i < 100 * count; i++) {
            String answer = answer(FACTS.get(i % FACTS.size()), true, random);
            PreferencePair pair = Records.pair(List.of(new Turn("user", FACTS.get(i % FACTS.size()).question())), answer,
                    answer.substring(0, answer.length() - 1) + "!", null, null, null, null, options);
            pairs.putIfAbsent(pair.getPairId(), pair);
        }
        return new ArrayList<>(pairs.values());
    }

    /**
     * Question-answering dialogues (user: question / assistant: answer) for fine-tuning a base policy: the answer is
     * right with probability {@code correctShare}, else of another kind, so the policy samples both and preference
     * optimisation has something to fix.
     */
    public List<Dialogue> policyDialogues(int count, double correctShare) {
        if (!(correctShare >= 0 && correctShare <= 1)) {
            throw new IllegalArgumentException("correct share must lie in [0, 1], got " + correctShare);
        }
        SplittableRandom random = new SplittableRandom(seed + 3);
        ReaderOptions options = new ReaderOptions(0, 10_000, "demo-world");
        List<Dialogue> dialogues = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Fact fact = FACTS.get(random.nextInt(FACTS.size()));
            boolean correct = random.nextDouble() < correctShare;
            dialogues.add(Records.dialogue(List.of(new Turn("user", fact.question())), answer(fact, correct, random), options));
        }
        return dialogues;
    }

    /** K candidate answers per question (some correct, some wrong), the input of FLR mining. */
    public List<RankedResponses> candidates(int k) {
        SplittableRandom random = new SplittableRandom(seed + 2);
        List<RankedResponses> lists = new ArrayList<>(FACTS.size());
        for (Fact fact : FACTS) {
            List<Turn> prompt = List.of(new Turn("user", fact.question()));
            String promptId = PromptIds.promptId(prompt);
            List<RankedResponse> responses = new ArrayList<>(k);
            for (int s = 0; s < k; s++) {
                String text = answer(fact, s % 2 == 0, random);
                responses.add(new RankedResponse(PromptIds.contentId(promptId, text), text, null, null, s));
            }
            lists.add(new RankedResponses(PromptIds.contentId(promptId, responses), promptId, prompt, responses,
                    fact.answer(), "demo-world", "train"));
        }
        return lists;
    }
}
