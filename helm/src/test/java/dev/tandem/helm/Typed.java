package dev.tandem.helm;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Rendered objects as fabric8's typed models. fabric8 keeps a field it does not know in the object's
 * {@code additionalProperties} instead of failing, so {@link #unknownFields} walks the typed object and lists
 * every such field: a misspelt key in a template is then a test failure, not a field the API server drops.
 */
final class Typed {
    static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

    private Typed() {}

    /** The object as its fabric8 class (chosen by apiVersion and kind), e.g. a StatefulSet or a ServiceMonitor. */
    static HasMetadata parse(JsonNode object) {
        Object o = SERIALIZATION.unmarshal(object.toString());
        if (!(o instanceof HasMetadata h) || h.getClass().getSimpleName().equals("GenericKubernetesResource"))
            throw new AssertionError(
                    "no typed model for " + object.path("apiVersion").asText() + " " + Chart.kind(object)
                            + " (is its model jar on the test class path?)");
        return h;
    }

    static PodTemplateSpec podTemplate(JsonNode template) {
        return SERIALIZATION.unmarshal(template.toString(), PodTemplateSpec.class);
    }

    /** Paths of fields the typed model did not know, e.g. {@code spec.template.spec.containers[0].envv}. */
    static List<String> unknownFields(Object typed) {
        List<String> found = new ArrayList<>();
        walk(typed, "", found);
        return found;
    }

    private static void walk(Object o, String path, List<String> found) {
        if (o == null) return;
        if (o instanceof Collection<?> c) {
            int i = 0;
            for (Object e : c) walk(e, path + "[" + i++ + "]", found);
            return;
        }
        if (o instanceof Map<?, ?> m) {
            m.forEach((k, v) -> walk(v, path + "." + k, found));
            return;
        }
        if (!o.getClass().getName().startsWith("io.fabric8.")) return;
        for (Method g : o.getClass().getMethods()) {
            if (g.getParameterCount() != 0 || Modifier.isStatic(g.getModifiers())) continue;
            String n = g.getName();
            if (!n.startsWith("get") || n.equals("getClass")) continue;
            Object v;
            try {
                v = g.invoke(o);
            } catch (IllegalAccessException | InvocationTargetException e) {
                continue;
            }
            if (n.equals("getAdditionalProperties")) {
                if (v instanceof Map<?, ?> extra && !extra.isEmpty())
                    extra.keySet().forEach(k -> found.add((path.isEmpty() ? "" : path + ".") + k));
                continue;
            }
            String field = Character.toLowerCase(n.charAt(3)) + n.substring(4);
            walk(v, path.isEmpty() ? field : path + "." + field, found);
        }
    }
}
