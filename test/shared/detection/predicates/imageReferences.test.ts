import { canonicalImage, imageForms, parseImageReference } from '../../../../shared/detection/predicates/imageReferences';

describe('imageReferences', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx:latest'],
    ['nginx:1.27', 'docker.io/library/nginx:1.27'],
    ['bitnami/redis:7', 'docker.io/bitnami/redis:7'],
    ['docker.io/nginx', 'docker.io/library/nginx:latest'],
    ['index.docker.io/library/nginx:1', 'docker.io/library/nginx:1'],
    ['registry-1.docker.io/bitnami/redis', 'docker.io/bitnami/redis:latest'],
    ['localhost:5000/app', 'localhost:5000/app:latest'],
    ['localhost/app:v2', 'localhost/app:v2'],
    ['registry:5000/app:v1', 'registry:5000/app:v1'],
    ['contoso.azurecr.io/shop/web@sha256:abc', 'contoso.azurecr.io/shop/web@sha256:abc'],
    ['contoso.azurecr.io/shop/web:1.4@sha256:abc', 'contoso.azurecr.io/shop/web:1.4@sha256:abc'],
    ['Contoso.AzureCR.io/shop/web:1.4', 'contoso.azurecr.io/shop/web:1.4'],
    ['contoso.azurecr.io.attacker.example/shop/web', 'contoso.azurecr.io.attacker.example/shop/web:latest'],
  ])('when the image is %s, then its full form is %s', (image, expected) => {
    const reference = parseImageReference(image);
    expect(reference === undefined ? undefined : canonicalImage(reference)).toBe(expected);
  });

  it('when the image has a tag, then its forms are the full reference and the repository', () => {
    expect(imageForms('nginx:1.27')).toEqual(['docker.io/library/nginx:1.27', 'docker.io/library/nginx']);
  });

  it.each(['', '   ', ':', '@', 'contoso.azurecr.io/'])('when the image is %j, then it has no form', (image) => {
    expect(imageForms(image)).toEqual([]);
  });
});
