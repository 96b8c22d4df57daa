package dev.hearth.client.spring.app;

import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.cache.annotation.EnableCaching;

/** An API server as a Spring Boot user writes one: caching on, Hearth by its starter and hearth.* properties. */
@SpringBootApplication
@EnableCaching
public class ShopApplication {
}
