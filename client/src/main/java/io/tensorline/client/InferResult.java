package io.tensorline.client;

import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The answer to one {@link InferRequest}: the outputs in the order the server sent them.
 *
 * @param version    the version that ran
 * @param id         the request id echoed back (empty when none was sent)
 * @param parameters response parameters, values Boolean, Long, Double or String
 */
public record InferResult(String model, String version, String id, Map<String, Object> parameters,
                          List<InferTensor> outputs) {

    public InferResult {
        parameters = Map.copyOf(parameters);
        outputs = List.copyOf(outputs);
    }

    /** The output of that name. */
    public InferTensor output(String name) {
        for (InferTensor t : outputs) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        throw new NoSuchElementException("no output '" + name + "' in the response of '" + model + "' (outputs: "
                + outputs.stream().map(InferTensor::name).toList() + ")");
    }
}
