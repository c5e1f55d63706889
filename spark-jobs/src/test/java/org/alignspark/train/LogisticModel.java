package org.alignspark.train;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.alignspark.common.train.BatchResult;
import org.alignspark.common.train.Objective;
import org.alignspark.common.train.TrainableModel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A logistic-regression model and loss small enough to check the engine's arithmetic by hand. */
final class LogisticModel implements TrainableModel {
    /** Features, label in {0, 1}, and an id for error messages. */
    record Example(String id, double[] x, int label) implements Serializable {}

    private final Map<String, INDArray> parameters = new LinkedHashMap<>();
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();

    LogisticModel(int features, DataType dataType) {
        parameters.put("w", Nd4j.zeros(dataType, features));
        parameters.put("b", Nd4j.zeros(dataType, 1));
        gradients.put("w", Nd4j.zeros(dataType, features));
        gradients.put("b", Nd4j.zeros(dataType, 1));
    }

    @Override
    public Map<String, INDArray> parameters() {
        return parameters;
    }

    @Override
    public Map<String, INDArray> gradients() {
        return gradients;
    }

    double logit(double[] x) {
        double z = parameters.get("b").getDouble(0);
        for (int i = 0; i < x.length; i++) {
            z += parameters.get("w").getDouble(i) * x[i];
        }
        return z;
    }

    /** Mean binary cross-entropy; d/dz = sigmoid(z) - y. Examples whose id starts with "poison" give NaN. */
    static final class Loss implements Objective<Example, LogisticModel> {
        @Override
        public BatchResult lossAndGradients(LogisticModel model, List<Example> batch) {
            double loss = 0;
            double correct = 0;
            INDArray gw = model.gradients.get("w");
            INDArray gb = model.gradients.get("b");
            for (Example e : batch) {
                double z = model.logit(e.x());
                double p = 1 / (1 + Math.exp(-z));
                loss += e.id().startsWith("poison") ? Double.NaN : (Math.log1p(Math.exp(-Math.abs(z))) + Math.max(z, 0) - e.label() * z);
                correct += (z > 0) == (e.label() == 1) ? 1 : 0;
                double dz = (p - e.label()) / batch.size();
                for (int i = 0; i < e.x().length; i++) {
                    gw.putScalar(i, gw.getDouble(i) + dz * e.x()[i]);
                }
                gb.putScalar(0, gb.getDouble(0) + dz);
            }
            return new BatchResult(loss, batch.size(), tokens(batch.get(0)) * batch.size()).metricSum("accuracy", correct);
        }

        @Override
        public long tokens(Example example) {
            return 1;
        }

        @Override
        public String exampleId(Example example) {
            return example.id();
        }
    }
}
