package dev.tandem.schemas.registry.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tandem.schemas.ItemMetadata;
import dev.tandem.schemas.UserEvent;
import dev.tandem.schemas.registry.CompatibilityLevel;
import dev.tandem.schemas.registry.SchemaRegistryException;
import dev.tandem.schemas.testing.Schemas;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Confluent's registry semantics, without HTTP. */
class RegistryCoreTest {
    private static final Schema V1 = UserEvent.getClassSchema();
    /** Adds an optional field: backward and forward compatible. */
    private static final Schema V2_OPTIONAL =
            Schemas.withField(V1, "{\"name\":\"referrer\",\"type\":[\"null\",\"string\"],\"default\":null}");
    /** Adds a required field: forward compatible only (old readers ignore it, new readers cannot read old data). */
    private static final Schema V2_REQUIRED = Schemas.withField(V1, "{\"name\":\"tenant\",\"type\":\"string\"}");
    /** Drops a field without a default: backward compatible only (new readers ignore it, old readers miss it). */
    private static final Schema V2_DROPPED = Schemas.withoutField(V1, "item_id");

    private final RegistryCore core = new RegistryCore(new InMemorySchemaStore());

    @Test
    void idsAreGlobalAndIncreasingVersionsPerSubjectFromOne() {
        assertThat(core.register("a-value", V1)).isEqualTo(1);
        assertThat(core.register("a-value", V2_OPTIONAL)).isEqualTo(2);
        assertThat(core.register("b-value", ItemMetadata.getClassSchema())).isEqualTo(3);
        // The same schema in another subject keeps its id, and gets that subject's version 1.
        assertThat(core.register("c-value", V1)).isEqualTo(1);
        assertThat(core.versions("a-value")).containsExactly(1, 2);
        assertThat(core.versions("c-value")).containsExactly(1);
        assertThat(core.latest("a-value").version()).isEqualTo(2);
        assertThat(core.version("a-value", 1).schema()).isEqualTo(V1);
        assertThat(core.subjects()).containsExactly("a-value", "b-value", "c-value");
    }

    @Test
    void reRegistrationIsIdempotent() {
        int id = core.register("s", V1);
        core.register("s", V2_OPTIONAL);
        assertThat(core.register("s", V1)).isEqualTo(id);
        assertThat(core.versions("s")).containsExactly(1, 2);
    }

    @ParameterizedTest(name = "{0}: optional={1} required={2} dropped={3}")
    @CsvSource({
        "NONE,     true, true,  true",
        "BACKWARD, true, false, true",
        "FORWARD,  true, true,  false",
        "FULL,     true, false, false",
    })
    void levelsDecideWhatMayFollow(CompatibilityLevel level, boolean optional, boolean required, boolean dropped) {
        core.setCompatibility(null, level);
        assertThat(tryRegister("optional", V2_OPTIONAL)).isEqualTo(optional);
        assertThat(tryRegister("required", V2_REQUIRED)).isEqualTo(required);
        assertThat(tryRegister("dropped", V2_DROPPED)).isEqualTo(dropped);
    }

    private boolean tryRegister(String subject, Schema next) {
        core.register(subject, V1);
        boolean predicted = core.testCompatibility(subject, next, "latest").compatible();
        try {
            core.register(subject, next);
            assertThat(predicted).as("testCompatibility agrees with register").isTrue();
            return true;
        } catch (SchemaRegistryException e) {
            assertThat(e.status()).isEqualTo(409);
            assertThat(e.errorCode()).isEqualTo(409);
            assertThat(predicted).as("testCompatibility agrees with register").isFalse();
            return false;
        }
    }

    @Test
    void transitiveLevelsCheckEveryVersionNotJustTheLatest() {
        Schema withIntX = Schemas.withField(V1, "{\"name\":\"x\",\"type\":\"int\",\"default\":0}");
        // x as a string with a default: reads V1 data (takes the default) but not withIntX data (int is not string).
        Schema withStringX = Schemas.withField(V1, "{\"name\":\"x\",\"type\":\"string\",\"default\":\"\"}");
        core.setCompatibility("plain", CompatibilityLevel.BACKWARD);
        core.setCompatibility("transitive", CompatibilityLevel.BACKWARD_TRANSITIVE);
        for (String s : new String[] {"plain", "transitive"}) {
            core.register(s, withIntX);
            core.register(s, V1); // drops x: reads withIntX data by ignoring it
        }
        assertThat(core.register("plain", withStringX)).isPositive();
        assertThatThrownBy(() -> core.register("transitive", withStringX))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(409))
                .hasMessageContaining("version 1");
    }

    @Test
    void errorsCarryConfluentCodes() {
        assertThatThrownBy(() -> core.latest("nope"))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40401));
        core.register("s", V1);
        assertThatThrownBy(() -> core.version("s", 7))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40402));
        assertThatThrownBy(() -> core.schemaById(99))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40403));
        assertThatThrownBy(() -> core.lookup("s", V2_OPTIONAL))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40403));
        assertThatThrownBy(() -> RegistryCore.parse("{\"type\":\"record\"}"))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(42201));
        assertThatThrownBy(() -> core.version("s", "zero"))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(42202));
        assertThatThrownBy(() -> CompatibilityLevel.parse("SIDEWAYS"))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(42203));
        assertThatThrownBy(() -> core.compatibility("s", false))
                .isInstanceOfSatisfying(
                        SchemaRegistryException.class,
                        e -> assertThat(e.errorCode()).isEqualTo(40408));
    }

    @Test
    void softDeleteHidesTheSubjectKeepsIdsAndNeverReusesVersions() {
        int id = core.register("s", V1);
        core.register("s", V2_OPTIONAL);
        assertThat(core.deleteSubject("s")).containsExactly(1, 2);
        assertThat(core.subjects()).isEmpty();
        assertThat(core.schemaById(id)).isEqualTo(V1);
        assertThatThrownBy(() -> core.latest("s")).isInstanceOf(SchemaRegistryException.class);
        assertThat(core.register("s", V1)).isEqualTo(id);
        assertThat(core.versions("s")).containsExactly(3);
    }

    @Test
    void subjectLevelOverridesGlobal() {
        assertThat(core.compatibility(null, true)).isEqualTo(CompatibilityLevel.BACKWARD);
        core.setCompatibility("s", CompatibilityLevel.NONE);
        assertThat(core.compatibility("s", false)).isEqualTo(CompatibilityLevel.NONE);
        assertThat(core.compatibility("other", true)).isEqualTo(CompatibilityLevel.BACKWARD);
        core.register("s", V1);
        assertThat(core.register("s", V2_REQUIRED)).isPositive();
    }

    @Test
    void stateIsRebuiltFromTheStore() {
        InMemorySchemaStore store = new InMemorySchemaStore();
        RegistryCore first = new RegistryCore(store);
        first.register("s", V1);
        first.register("s", V2_OPTIONAL);
        first.setCompatibility("s", CompatibilityLevel.FULL);
        first.deleteSubject("s");
        first.register("t", ItemMetadata.getClassSchema());

        RegistryCore second = new RegistryCore(store);
        assertThat(second.subjects()).containsExactly("t");
        assertThat(second.latest("t").id()).isEqualTo(3);
        assertThat(second.compatibility("s", false)).isEqualTo(CompatibilityLevel.FULL);
        assertThat(second.register("u", Schemas.withField(V1, "{\"name\":\"z\",\"type\":\"int\",\"default\":1}")))
                .isEqualTo(4);
        assertThat(second.register("s", V1)).isEqualTo(1);
        assertThat(second.versions("s")).containsExactly(3);
    }

    @Test
    void aFailingStoreChangesNothingAndAnswers50001() {
        InMemorySchemaStore healthy = new InMemorySchemaStore();
        SchemaStore failing = new SchemaStore() {
            @Override
            public java.util.List<StoreRecord> load() {
                return healthy.load();
            }

            @Override
            public void append(StoreRecord record) {
                throw new IllegalStateException("disk on fire");
            }

            @Override
            public void close() {}
        };
        RegistryCore c = new RegistryCore(failing);
        assertThatThrownBy(() -> c.register("s", V1)).isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
            assertThat(e.status()).isEqualTo(500);
            assertThat(e.errorCode()).isEqualTo(50001);
        });
        assertThat(c.subjects()).isEmpty();
    }
}
